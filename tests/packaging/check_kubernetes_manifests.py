#!/usr/bin/env python3
"""Checks the Kubernetes manifests of the sidecar pair (docker/kubernetes).

Renders the kustomize base and every overlay with the subset of kustomize they use (resources,
config map and secret generators, strategic-merge patches, images, namespace), then checks each
rendered sandbox pod: egress is a native sidecar that must pass a /healthz startup probe before
anything after it starts, it is the only container with NET_ADMIN, the workload runs execd
through bootstrap.sh from the installed bundle and is probed on /ping, ports, the egress token
comes from a Secret only egress sees, and the initial policy is default-deny.
Exits 1 listing every problem, 77 when python3-yaml is missing.
"""
import copy
import json
import os
import sys

try:
    import yaml
except ImportError:
    print("SKIP: python3-yaml is not installed")
    sys.exit(77)

EGRESS_PORT = 18080
EXECD_PORT = 44772
BUNDLE_DIR = "/opt/opensandbox"
RISKY_CAPABILITIES = {"NET_ADMIN", "SYS_ADMIN", "NET_RAW", "ALL", "SYS_MODULE", "BPF"}


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


def render(directory):
    kustomization = load_documents(os.path.join(directory, "kustomization.yaml"))[0]
    objects = []
    for resource in kustomization.get("resources", []):
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
    if http_probe(egress, "startupProbe") != ("/healthz", EGRESS_PORT):
        problem("egress needs a startupProbe on /healthz:18080, so later containers wait for enforcement")
    for kind in ("readinessProbe", "livenessProbe"):
        if http_probe(egress, kind) != ("/healthz", EGRESS_PORT):
            problem(f"egress {kind} is {http_probe(egress, kind)}, want /healthz on {EGRESS_PORT}")
    if EGRESS_PORT not in [p.get("containerPort") for p in egress.get("ports", [])]:
        problem(f"egress does not declare containerPort {EGRESS_PORT}")

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
        for kind in ("readinessProbe", "livenessProbe"):
            if http_probe(workload, kind) != ("/ping", EXECD_PORT):
                problem(f"{workload['name']} {kind} is {http_probe(workload, kind)}, want /ping on {EXECD_PORT}")
        if EXECD_PORT not in [p.get("containerPort") for p in workload.get("ports", [])]:
            problem(f"{workload['name']} does not declare containerPort {EXECD_PORT}")
        mount = next((m for m in workload.get("volumeMounts", []) if m.get("mountPath") == BUNDLE_DIR), None)
        if mount is None:
            problem(f"{workload['name']} does not mount the execd bundle at {BUNDLE_DIR}")
        else:
            installers = [c for c in inits if any(m.get("name") == mount["name"] for m in c.get("volumeMounts", []))]
            if not any(BUNDLE_DIR + "/." in " ".join(c.get("command", [])) for c in installers):
                problem(f"no init container copies {BUNDLE_DIR} into volume {mount['name']}")

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


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "docker/kubernetes"
    targets = [("base", os.path.join(root, "base"), False)]
    overlays = os.path.join(root, "overlays")
    for name in sorted(os.listdir(overlays)) if os.path.isdir(overlays) else []:
        targets.append((f"overlays/{name}", os.path.join(overlays, name), True))
    problems = []
    for label, directory, needs_secret in targets:
        try:
            objects = render(directory)
        except (OSError, KeyError, yaml.YAMLError) as error:
            problems.append(f"{label}: cannot render: {error}")
            continue
        pods = [o for o in objects if pod_spec(o).get("containers")]
        if len(pods) != 1:
            problems.append(f"{label}: want one sandbox pod, found {len(pods)}")
        for pod in pods:
            check_pod(label, pod, objects, needs_secret, problems)
    for problem in problems:
        print("FAIL:", problem)
    if not problems:
        print(f"PASS: {', '.join(t[0] for t in targets)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
