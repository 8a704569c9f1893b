#!/usr/bin/env python3
"""Checks the Kubernetes manifests of the sidecar pair (docker/kubernetes).

Renders the kustomize base, every overlay and the addons with `kubectl kustomize` (in a copy of the
tree, with a stand-in for each secret file an operator writes), or, without kubectl, with the
subset of kustomize they use (resources, config map and secret generators, strategic-merge
patches, images, namespace). Then checks each rendered sandbox pod: egress is a native sidecar
that must pass a /readyz startup probe on its health port before anything after it starts, with
liveness and readiness there too; it is the only container with NET_ADMIN and keeps its runtime
policy on a volume; the workload runs execd through bootstrap.sh as installed by the server's
own command and is probed over TCP, without a liveness probe; ports; the egress token comes from
a Secret only egress sees; the initial policy is default-deny; RuntimeDefault seccomp, requests
and limits and FallbackToLogsOnError on every container; mounted ConfigMaps have stable names;
a rendered namespace enforces the Pod Security level the pod needs. The addons: a PodMonitor on
the sandbox pods' metrics ports, a NetworkPolicy that opens the policy API only to chosen peers.
Exits 1 listing every problem, 77 when python3-yaml is missing.
"""
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    print("SKIP: python3-yaml is not installed")
    sys.exit(77)

EGRESS_PORT = 18080
HEALTH_PORT = 18081
EXECD_PORT = 44772
BUNDLE_DIR = "/opt/opensandbox"
RISKY_CAPABILITIES = {"NET_ADMIN", "SYS_ADMIN", "NET_RAW", "ALL", "SYS_MODULE", "BPF"}
# What Pod Security `baseline` lets a container add; anything else needs `privileged`.
BASELINE_CAPABILITIES = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                         "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}
# The OpenSandbox server's execd installer (its Kubernetes runtime), run in the execd image's
# working directory.
SERVER_INSTALL = [f"cp ./execd {BUNDLE_DIR}/execd", f"cp ./bootstrap.sh {BUNDLE_DIR}/bootstrap.sh"]


# ---- rendering ---------------------------------------------------------------------------------

def load_documents(path):
    with open(path, encoding="utf-8") as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc]


def merge_key(items):
    for key in ("name", "mountPath", "containerPort"):
        if items and all(isinstance(item, dict) and key in item for item in items):
            return key
    return None


def strategic_merge(target, patch):
    if isinstance(target, dict) and isinstance(patch, dict):
        merged = dict(target)
        for key, value in patch.items():
            merged[key] = strategic_merge(target[key], value) if key in target else copy.deepcopy(value)
        return merged
    if isinstance(target, list) and isinstance(patch, list):
        key = merge_key(target + patch)
        if key is None:
            return copy.deepcopy(patch)
        merged = [copy.deepcopy(item) for item in target]
        for item in patch:
            match = next((i for i, old in enumerate(merged) if old[key] == item[key]), None)
            if match is None:
                merged.append(copy.deepcopy(item))
            else:
                merged[match] = strategic_merge(merged[match], item)
        return merged
    return copy.deepcopy(patch)


def generated(kind, generator, directory):
    data = {}
    for literal in generator.get("literals", []):
        key, _, value = literal.partition("=")
        data[key] = value
    for entry in generator.get("files", []):
        key, _, path = entry.partition("=") if "=" in entry else (os.path.basename(entry), "", entry)
        full = os.path.join(directory, path)
        # A secret file is written by the operator before applying (never committed).
        data[key] = open(full, encoding="utf-8").read() if os.path.exists(full) else None
    return {"kind": kind, "metadata": {"name": generator["name"]}, "data": data,
            "behavior": generator.get("behavior", "create")}


def render_with_kubectl(directory):
    """`kubectl kustomize` of a copy of the tree, with a stand-in for every missing generator file."""
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.dirname(os.path.dirname(os.path.abspath(directory))) \
            if os.path.basename(os.path.dirname(os.path.abspath(directory))) == "overlays" \
            else os.path.dirname(os.path.abspath(directory))
        copy_root = os.path.join(tmp, "tree")
        shutil.copytree(root, copy_root)
        target = os.path.join(copy_root, os.path.relpath(os.path.abspath(directory), root))
        kustomization = load_documents(os.path.join(target, "kustomization.yaml"))[0]
        for generator in kustomization.get("secretGenerator", []) + kustomization.get("configMapGenerator", []):
            for entry in generator.get("files", []):
                path = os.path.join(target, entry.partition("=")[2] if "=" in entry else entry)
                if not os.path.exists(path):
                    with open(path, "w", encoding="utf-8") as stream:
                        stream.write("stand-in-secret")
        result = subprocess.run(["kubectl", "kustomize", target], capture_output=True, text=True)
        if result.returncode != 0:
            raise OSError(f"kubectl kustomize: {result.stderr.strip()}")
        return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def render(directory):
    kustomization = load_documents(os.path.join(directory, "kustomization.yaml"))[0]
    objects = []
    for resource in kustomization.get("resources", []) + kustomization.get("bases", []):
        path = os.path.join(directory, resource)
        objects += render(path) if os.path.isdir(path) else load_documents(path)
    for kind, field in (("ConfigMap", "configMapGenerator"), ("Secret", "secretGenerator")):
        for generator in kustomization.get(field, []):
            new = generated(kind, generator, directory)
            old = next((o for o in objects if o["kind"] == kind and o["metadata"]["name"] == new["metadata"]["name"]), None)
            if new["behavior"] == "replace" and old is not None:
                old["data"] = new["data"]
            elif new["behavior"] == "merge" and old is not None:
                old["data"].update(new["data"])
            else:
                objects.append(new)
    for patch in kustomization.get("patches", []) + [{"path": p} for p in kustomization.get("patchesStrategicMerge", [])]:
        for doc in load_documents(os.path.join(directory, patch["path"])):
            for index, obj in enumerate(objects):
                if obj["kind"] == doc["kind"] and obj["metadata"]["name"] == doc["metadata"]["name"]:
                    objects[index] = strategic_merge(obj, doc)
    for image in kustomization.get("images", []):
        for obj in objects:
            for container in all_containers(pod_spec(obj)):
                name, _, tag = container.get("image", "").partition(":")
                if name == image["name"]:
                    container["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag)}"
    for obj in objects:
        obj.setdefault("metadata", {}).setdefault("labels", {}).update(kustomization.get("commonLabels", {}))
    if "namespace" in kustomization:
        for obj in objects:
            obj["metadata"]["namespace"] = kustomization["namespace"]
    return objects


# ---- checks ------------------------------------------------------------------------------------

def pod_spec(obj):
    if obj.get("kind") == "Pod":
        return obj["spec"]
    return obj.get("spec", {}).get("template", {}).get("spec", {}) if isinstance(obj.get("spec"), dict) else {}


def all_containers(spec):
    return spec.get("initContainers", []) + spec.get("containers", [])


def capabilities(container):
    caps = container.get("securityContext", {}).get("capabilities", {})
    return set(caps.get("add", [])), set(caps.get("drop", []))


def resolve_port(container, port):
    if isinstance(port, int):
        return port
    return next((p["containerPort"] for p in container.get("ports", []) if p.get("name") == port), None)


def http_probe(container, kind):
    probe = container.get(kind)
    if not probe or "httpGet" not in probe:
        return None
    return probe["httpGet"].get("path"), resolve_port(container, probe["httpGet"].get("port"))


def env_of(container, name):
    return next((e for e in container.get("env", []) if e.get("name") == name), None)


def find_object(objects, kind, name):
    return next((o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name), None)


def check_pod(label, obj, objects, needs_secret, problems):
    def problem(text):
        problems.append(f"{label}: {text}")

    spec = pod_spec(obj)
    inits = spec.get("initContainers", [])
    mains = spec.get("containers", [])
    if spec.get("hostNetwork"):
        problem("hostNetwork is set; the pair must have the pod's own network namespace")
    if spec.get("automountServiceAccountToken") is not False:
        problem("automountServiceAccountToken must be false (the workload gets no API credentials)")

    egress_index = next((i for i, c in enumerate(inits) if c.get("name") == "egress"), None)
    if egress_index is None:
        problem("no init container named egress (egress must be a native sidecar)")
        return
    egress = inits[egress_index]
    if egress.get("restartPolicy") != "Always":
        problem("egress init container lacks restartPolicy: Always (a native sidecar)")
    if any(c.get("name") == "egress" for c in mains):
        problem("egress is also a regular container")
    for container in inits[:egress_index]:
        if container.get("restartPolicy") == "Always":
            problem(f"sidecar {container['name']} starts before egress enforces")
    # Probes on the health listener, never on the policy API: API clients cannot starve them.
    wanted = {"startupProbe": ("/readyz", HEALTH_PORT), "readinessProbe": ("/readyz", HEALTH_PORT),
              "livenessProbe": ("/healthz", HEALTH_PORT)}
    for kind, want in wanted.items():
        if http_probe(egress, kind) != want:
            problem(f"egress {kind} is {http_probe(egress, kind)}, want {want[0]} on {want[1]} "
                    "(the health listener; the startup probe holds later containers until enforcement)")
    declared = [p.get("containerPort") for p in egress.get("ports", [])]
    for port in (EGRESS_PORT, HEALTH_PORT):
        if port not in declared:
            problem(f"egress does not declare containerPort {port}")
    health_env = (env_of(egress, "OPENSANDBOX_EGRESS_HEALTH_PORT") or {}).get("value")
    if health_env is not None and health_env != str(HEALTH_PORT):
        problem(f"OPENSANDBOX_EGRESS_HEALTH_PORT is {health_env}, the probes use {HEALTH_PORT}")
    policy_file = (env_of(egress, "OPENSANDBOX_EGRESS_POLICY_FILE") or {}).get("value")
    if not policy_file:
        problem("egress has no OPENSANDBOX_EGRESS_POLICY_FILE: runtime policy changes die with the container")
    else:
        mount = max((m for m in egress.get("volumeMounts", [])
                     if policy_file.startswith(m["mountPath"].rstrip("/") + "/")),
                    key=lambda m: len(m["mountPath"]), default=None)
        volume = next((v for v in spec.get("volumes", []) if mount and v.get("name") == mount["name"]), None)
        if mount is None or mount.get("readOnly") or volume is None or \
                not ({"emptyDir", "persistentVolumeClaim", "ephemeral"} & set(volume)):
            problem(f"OPENSANDBOX_EGRESS_POLICY_FILE {policy_file} is not on a writable pod volume "
                    "that outlives a container restart")

    add, drop = capabilities(egress)
    if add != {"NET_ADMIN"}:
        problem(f"egress adds capabilities {sorted(add)}, want exactly NET_ADMIN")
    if "ALL" not in drop:
        problem("egress does not drop ALL other capabilities")
    if egress.get("securityContext", {}).get("privileged"):
        problem("egress is privileged")
    if egress.get("securityContext", {}).get("allowPrivilegeEscalation") is not False:
        problem("egress allows privilege escalation")

    for position, container in enumerate(inits + mains):
        if container is egress:
            continue
        name = container.get("name")
        add, drop = capabilities(container)
        if add & RISKY_CAPABILITIES:
            problem(f"{name} adds {sorted(add & RISKY_CAPABILITIES)}; only egress may hold NET_ADMIN")
        if container.get("securityContext", {}).get("privileged"):
            one_shot_before_egress = position < egress_index and container.get("restartPolicy") != "Always"
            if not one_shot_before_egress or "disable_ipv6" not in " ".join(container.get("command", []) + container.get("args", [])):
                problem(f"{name} is privileged; only the IPv6 switch-off may be, as a one-shot init "
                        "container before egress")

    workloads = [c for c in mains if BUNDLE_DIR + "/bootstrap.sh" in c.get("command", []) + c.get("args", [])[:1]]
    if len(workloads) != 1:
        problem(f"want one container started by {BUNDLE_DIR}/bootstrap.sh, found {len(workloads)}")
    for workload in workloads:
        _, drop = capabilities(workload)
        if not {"NET_ADMIN"} <= drop and "ALL" not in drop:
            problem(f"{workload['name']} does not drop NET_ADMIN")
        readiness = (workload.get("readinessProbe") or {}).get("tcpSocket", {})
        if resolve_port(workload, readiness.get("port")) != EXECD_PORT:
            problem(f"{workload['name']} needs a tcpSocket readinessProbe on {EXECD_PORT} (GET /ping "
                    "wants the token once EXECD_ACCESS_TOKEN is set)")
        if workload.get("livenessProbe"):
            problem(f"{workload['name']} has a livenessProbe: a restart would restart the user's command")
        if EXECD_PORT not in [p.get("containerPort") for p in workload.get("ports", [])]:
            problem(f"{workload['name']} does not declare containerPort {EXECD_PORT}")
        mount = next((m for m in workload.get("volumeMounts", []) if m.get("mountPath") == BUNDLE_DIR), None)
        if mount is None:
            problem(f"{workload['name']} does not mount the execd bundle at {BUNDLE_DIR}")
        else:
            installers = [c for c in inits if any(m.get("name") == mount["name"] and m.get("mountPath") == BUNDLE_DIR
                                                  for m in c.get("volumeMounts", []))]
            if not any(all(step in " ".join(c.get("command", []) + c.get("args", [])) for step in SERVER_INSTALL)
                       for c in installers):
                problem(f"no init container installs execd into volume {mount['name']} with the server's "
                        f"command ({' && '.join(SERVER_INSTALL)})")

    token = env_of(egress, "OPENSANDBOX_EGRESS_TOKEN")
    secret_ref = (token or {}).get("valueFrom", {}).get("secretKeyRef")
    if not secret_ref:
        problem("egress OPENSANDBOX_EGRESS_TOKEN must come from a Secret (secretKeyRef)")
    else:
        secret = find_object(objects, "Secret", secret_ref["name"])
        if secret is None:
            if needs_secret:
                problem(f"Secret {secret_ref['name']} is not generated")
        elif secret_ref["key"] not in secret.get("data", {}) and secret_ref["key"] not in secret.get("stringData", {}):
            problem(f"Secret {secret_ref['name']} has no key {secret_ref['key']}")
        for container in inits + mains:
            if container is egress:
                continue
            text = json.dumps(container)
            if secret_ref["name"] in text or "OPENSANDBOX_EGRESS_TOKEN" in text:
                problem(f"{container.get('name')} can read the egress token")

    mode = (env_of(egress, "OPENSANDBOX_EGRESS_MODE") or {}).get("value")
    if mode != "dns+nft":
        problem(f"OPENSANDBOX_EGRESS_MODE is {mode}, want dns+nft (IP-level enforcement)")
    rules_env = env_of(egress, "OPENSANDBOX_EGRESS_RULES") or {}
    rules = rules_env.get("value")
    ref = rules_env.get("valueFrom", {}).get("configMapKeyRef")
    if ref:
        config_map = find_object(objects, "ConfigMap", ref["name"])
        rules = (config_map or {}).get("data", {}).get(ref["key"])
    try:
        policy = json.loads(rules) if rules else None
    except json.JSONDecodeError as error:
        problem(f"OPENSANDBOX_EGRESS_RULES is not JSON: {error}")
        policy = {}
    if policy is None:
        problem("OPENSANDBOX_EGRESS_RULES is not set or its ConfigMap key is missing")
    elif policy and policy.get("defaultAction") != "deny":
        problem(f"the initial policy's defaultAction is {policy.get('defaultAction')}, want deny")

    pod_seccomp = spec.get("securityContext", {}).get("seccompProfile", {}).get("type")
    for container in inits + mains:
        name = container.get("name")
        seccomp = container.get("securityContext", {}).get("seccompProfile", {}).get("type", pod_seccomp)
        if seccomp not in ("RuntimeDefault", "Localhost"):
            problem(f"{name} runs with seccomp profile {seccomp}, want RuntimeDefault")
        resources = container.get("resources", {})
        for section in ("requests", "limits"):
            missing = {"cpu", "memory"} - set(resources.get(section, {}))
            if missing:
                problem(f"{name} has no {section} for {sorted(missing)}")
        if container.get("terminationMessagePolicy") != "FallbackToLogsOnError":
            problem(f"{name} lacks terminationMessagePolicy: FallbackToLogsOnError")


def required_pod_security_level(spec):
    """The least Pod Security level that admits the pod (the parts of the standard it can trip)."""
    if spec.get("hostNetwork") or spec.get("hostPID") or spec.get("hostIPC"):
        return "privileged"
    for container in all_containers(spec):
        context = container.get("securityContext", {})
        if context.get("privileged") or set(context.get("capabilities", {}).get("add", [])) - BASELINE_CAPABILITIES:
            return "privileged"
    return "baseline"


def check_stable_config_maps(label, directory, pod, objects, problems):
    """Every ConfigMap a pod mounts (re-read live) keeps the generator's name: no hash suffix."""
    declared = set()
    for kustomization_dir in kustomization_chain(directory):
        kustomization = load_documents(os.path.join(kustomization_dir, "kustomization.yaml"))[0]
        declared |= {g["name"] for g in kustomization.get("configMapGenerator", [])}
    for volume in pod_spec(pod).get("volumes", []):
        name = volume.get("configMap", {}).get("name")
        if name is None:
            continue
        if find_object(objects, "ConfigMap", name) is None:
            problems.append(f"{label}: mounted ConfigMap {name} is not among the rendered objects")
        elif name not in declared and any(re.fullmatch(re.escape(d) + r"-[a-z0-9]{10}", name) for d in declared):
            problems.append(f"{label}: mounted ConfigMap {name} carries a hash suffix; a live-reloaded "
                            "ConfigMap needs a stable name (a plain ConfigMap resource, not a generator)")


def kustomization_chain(directory):
    """The kustomization directory and every directory it takes resources from."""
    chain = [directory]
    kustomization = load_documents(os.path.join(directory, "kustomization.yaml"))[0]
    for resource in kustomization.get("resources", []) + kustomization.get("bases", []):
        path = os.path.join(directory, resource)
        if os.path.isdir(path):
            chain += kustomization_chain(path)
    return chain


def check_addons(objects, pod_labels, problems):
    monitors = [o for o in objects if o.get("kind") == "PodMonitor"]
    policies = [o for o in objects if o.get("kind") == "NetworkPolicy"]
    if not monitors:
        problems.append("addons: no PodMonitor")
    if not policies:
        problems.append("addons: no NetworkPolicy for the policy API port")

    def selects(selector):
        return all(pod_labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())

    for monitor in monitors:
        if not selects(monitor["spec"].get("selector", {})):
            problems.append(f"addons: PodMonitor {monitor['metadata']['name']} does not select the sandbox pods")
        endpoints = {(e.get("port"), e.get("path")) for e in monitor["spec"].get("podMetricsEndpoints", [])}
        if ("egress-api", "/metrics") not in endpoints:
            problems.append("addons: the PodMonitor does not scrape /metrics on egress-api")

    def opens(port_entry, port):
        start = port_entry.get("port")
        end = port_entry.get("endPort", start)
        return port_entry.get("protocol", "TCP") == "TCP" and isinstance(start, int) and start <= port <= end

    for policy in policies:
        spec = policy["spec"]
        if not selects(spec.get("podSelector", {})) or "Ingress" not in spec.get("policyTypes", ["Ingress"]):
            problems.append(f"addons: NetworkPolicy {policy['metadata']['name']} does not govern the sandbox pods' ingress")
        rules = spec.get("ingress", [])
        for rule in rules:
            ports = rule.get("ports")
            if any(opens(p, EGRESS_PORT) for p in ports or [{"port": 1, "endPort": 65535}]) and not rule.get("from"):
                problems.append(f"addons: NetworkPolicy {policy['metadata']['name']} opens {EGRESS_PORT} to every peer")
        if not any(rule.get("from") and any(opens(p, EGRESS_PORT) for p in rule.get("ports", [])) for rule in rules):
            problems.append(f"addons: NetworkPolicy {policy['metadata']['name']} lets no peer reach {EGRESS_PORT}")
        if not any(any(opens(p, EXECD_PORT) for p in rule.get("ports", [])) for rule in rules):
            problems.append(f"addons: NetworkPolicy {policy['metadata']['name']} closes execd's port {EXECD_PORT}")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "docker/kubernetes"
    targets = [("base", os.path.join(root, "base"), False)]
    overlays = os.path.join(root, "overlays")
    for name in sorted(os.listdir(overlays)) if os.path.isdir(overlays) else []:
        targets.append((f"overlays/{name}", os.path.join(overlays, name), True))
    kubectl = shutil.which("kubectl")
    renderer = render_with_kubectl if kubectl else render
    problems = []
    pod_labels = {}
    for label, directory, needs_secret in targets:
        try:
            objects = renderer(directory)
        except (OSError, KeyError, yaml.YAMLError) as error:
            problems.append(f"{label}: cannot render: {error}")
            continue
        pods = [o for o in objects if pod_spec(o).get("containers")]
        if len(pods) != 1:
            problems.append(f"{label}: want one sandbox pod, found {len(pods)}")
        for pod in pods:
            check_pod(label, pod, objects, needs_secret, problems)
            check_stable_config_maps(label, directory, pod, objects, problems)
            pod_labels = pod.get("metadata", {}).get("labels", {})
            level = required_pod_security_level(pod_spec(pod))
            for namespace in (o for o in objects if o.get("kind") == "Namespace"):
                enforced = namespace["metadata"].get("labels", {}).get("pod-security.kubernetes.io/enforce")
                if enforced != level:
                    problems.append(f"{label}: namespace {namespace['metadata']['name']} enforces Pod Security "
                                    f"{enforced}, the sandbox pod needs {level}")
    addons = os.path.join(root, "addons")
    if os.path.isdir(addons):
        try:
            check_addons(renderer(addons), pod_labels, problems)
            targets.append(("addons", addons, False))
        except (OSError, KeyError, yaml.YAMLError) as error:
            problems.append(f"addons: cannot render: {error}")
    for problem in problems:
        print("FAIL:", problem)
    if not problems:
        how = "kubectl kustomize" if kubectl else "the built-in renderer (no kubectl)"
        print(f"PASS: {', '.join(t[0] for t in targets)} (rendered with {how})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
