#!/usr/bin/env python3
"""Checks the Dockerfiles' build and runtime stages without a container engine.

For docker/egress and docker/execd: multi-stage (bookworm build, bookworm-slim run; the default
target compiles, the `prebuilt` target takes the binary from the build context `binaries`), the
upstream entry points (execd: /execd and /bootstrap.sh regular files, working directory /),
version and commit labels, a runtime package list that exists in apt,
holds no compilers or debugging kit and covers every library the built binary loads (egress), a
build stage with every library the build needs (scripts/setup.sh), and the execd bundle holding
every library of the built execd (and of the MariaDB client it opens on the first SQL run). Exits 1 listing every problem, 77 when apt is missing.
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

FORBIDDEN_RUNTIME = re.compile(
    r"^(gcc|g\+\+|cpp|clang.*|build-essential|make|cmake|gdb|strace|ltrace|tcpdump|valgrind|"
    r"binutils|lsof|nmap|sudo|.*-dev|.*-dbg|.*-dbgsym)$")
# Libraries of a sanitizer build: tests run the ASan binaries too, images are built in Release.
SANITIZER_LIBRARY = re.compile(r"lib(asan|ubsan|lsan|tsan)\.so")
BASE_IMAGE_PACKAGES = {"libc6"}
MARIADB_CLIENT = "libmariadb.so.3"  # execd opens it on the first SQL run; the bundle carries it  # essential in every Debian image


class Stage:
    def __init__(self, image, name=None):
        self.image = image
        self.name = name
        self.instructions = []  # (KEYWORD, argument text)

    def args(self, keyword):
        return [text for key, text in self.instructions if key == keyword]

    def installed_packages(self):
        packages = []
        for command in self.args("RUN"):
            for part in re.split(r"&&|;", command):
                words = shlex.split(part)
                if words[:2] == ["apt-get", "install"]:
                    packages += [w for w in words[2:] if not w.startswith("-")]
        return packages


def parse_dockerfile(path):
    stages = []
    logical = ""
    for raw in open(path, encoding="utf-8"):
        line = raw.rstrip("\n")
        if not logical and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.lstrip().startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical += line
        keyword, _, text = logical.strip().partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = text.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        elif stages:
            stages[-1].instructions.append((keyword, text.strip()))
        logical = ""
    return stages


def resolved(stages, stage):
    """The stage with the instructions of the stages it is built FROM (by name) before its own."""
    base = next((s for s in stages if s.name and s.name == stage.image and s is not stage), None)
    if base is None:
        return stage
    parent = resolved(stages, base)
    merged = Stage(parent.image, stage.name)
    merged.instructions = parent.instructions + stage.instructions
    return merged


def named(stages, name):
    return next((s for s in stages if s.name == name), None)


def libraries_of(binary):
    output = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    found = re.findall(r"=>\s+(/\S+)", output)
    loader = re.findall(r"^\s*(/\S*ld-linux\S*)", output, re.MULTILINE)
    return found, loader


def opened_at_run_time(name):
    """Path of a library execd opens with dlopen (not in its ldd output), from the loader cache."""
    output = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    paths = re.findall(r"^\s*" + re.escape(name) + r" \(.*\) => (/\S+)$", output, re.MULTILINE)
    return paths[0] if paths else None


def packages_of(paths):
    """Library path -> owning Debian package (None when dpkg knows no owner); one dpkg call."""
    candidates = {path: [path, os.path.realpath(path)] for path in paths}
    queried = sorted({c for pair in candidates.values() for c in pair})
    output = subprocess.run(["dpkg", "-S"] + queried, capture_output=True, text=True).stdout
    owner = {}
    for line in output.splitlines():
        package, _, owned = line.partition(": ")
        owner[owned.strip()] = package.split(":")[0]
    return {path: next((owner[c] for c in pair if c in owner), None) for path, pair in candidates.items()}


def apt_known(packages):
    """The subset of packages apt has a candidate for; one apt-cache call (each is slow)."""
    if not packages:
        return set()
    output = subprocess.run(["apt-cache", "show", "--no-all-versions"] + sorted(packages),
                            capture_output=True, text=True).stdout
    return set(re.findall(r"^Package: (\S+)$", output, re.MULTILINE))


def setup_library_packages(repo):
    """The '# libraries' group of scripts/setup.sh: what every build stage must install."""
    text = open(os.path.join(repo, "scripts/setup.sh"), encoding="utf-8").read()
    group = re.search(r"# libraries[^\n]*\n(.*?)\n\s*#", text, re.DOTALL)
    return group.group(1).split() if group else []


def project_version(repo):
    text = open(os.path.join(repo, "CMakeLists.txt"), encoding="utf-8").read()
    return re.search(r"project\(\S+\s+VERSION\s+(\S+)", text).group(1)


def check_common(name, stages, repo, problems):
    where = f"docker/{name}/Dockerfile"
    if len(stages) < 2:
        problems.append(f"{where}: wants a build stage and a runtime stage, found {len(stages)}")
        return None
    build, runtime = stages[0], resolved(stages, stages[-1])
    prebuilt = named(stages, "prebuilt")
    if prebuilt is None:
        problems.append(f"{where}: no `prebuilt` target (the image from binaries built beforehand)")
    elif resolved(stages, prebuilt).image != runtime.image or stages[-1].image != prebuilt.image:
        problems.append(f"{where}: the `prebuilt` target and the default target must share the runtime stage")
    elif f"--from=binaries {name} /{name}" not in " ".join(prebuilt.args("COPY")):
        problems.append(f"{where}: the `prebuilt` target does not copy {name} from the build context `binaries`")
    if not build.image.startswith("debian:bookworm") or "slim" in build.image:
        problems.append(f"{where}: build stage is {build.image}, want debian:bookworm")
    if runtime.image != "debian:bookworm-slim":
        problems.append(f"{where}: runtime stage is {runtime.image}, want debian:bookworm-slim")
    entrypoint = runtime.args("ENTRYPOINT")
    if entrypoint != [f'["/{name}"]']:
        problems.append(f"{where}: ENTRYPOINT is {entrypoint}, want [\"/{name}\"]")
    labels = " ".join(runtime.args("LABEL"))
    for label in ("org.opencontainers.image.version", "org.opencontainers.image.revision"):
        if label not in labels:
            problems.append(f"{where}: runtime stage has no {label} label")
    version_args = [a for a in runtime.args("ARG") if a.startswith("VERSION=")]
    if version_args != [f"VERSION={project_version(repo)}"]:
        problems.append(f"{where}: ARG {version_args} does not default to the project version "
                        f"{project_version(repo)}")
    build_packages = set(build.installed_packages())
    for package in setup_library_packages(repo):
        if package not in build_packages:
            problems.append(f"{where}: build stage does not install {package} (scripts/setup.sh)")
    runtime_packages = runtime.installed_packages()
    known = apt_known(set(runtime_packages))
    for package in runtime_packages:
        if FORBIDDEN_RUNTIME.match(package):
            problems.append(f"{where}: runtime stage installs build or debugging tool {package}")
        elif package not in known:
            problems.append(f"{where}: runtime package {package} is not in apt")
    return runtime


def check_egress(repo, binary, problems):
    runtime = check_common("egress", parse_dockerfile(os.path.join(repo, "docker/egress/Dockerfile")),
                           repo, problems)
    if runtime is None:
        return
    packages = set(runtime.installed_packages()) | BASE_IMAGE_PACKAGES
    libraries = [lib for lib in libraries_of(binary)[0] if not SANITIZER_LIBRARY.search(lib)]
    owners = packages_of(libraries)
    for library in libraries:
        package = owners[library]
        if package is None:
            problems.append(f"egress loads {library}, which no Debian package owns")
        elif package not in packages:
            problems.append(f"docker/egress/Dockerfile: egress loads {library} from {package}, "
                            "which the runtime stage does not install")
    if "iptables" not in packages:
        problems.append("docker/egress/Dockerfile: no iptables for the redirect fallback")


def check_execd(repo, binary, problems):
    where = "docker/execd/Dockerfile"
    runtime = check_common("execd", parse_dockerfile(os.path.join(repo, where)), repo, problems)
    if runtime is None:
        return
    # The OpenSandbox server copies /execd and /bootstrap.sh out of the image (Docker: the archive
    # API; Kubernetes: `cp ./execd ... && cp ./bootstrap.sh ...` in the image's working directory):
    # both must be regular files at the root, the working directory /.
    copies = runtime.args("COPY")
    if not any(c.split()[-1] == "/execd" for c in copies):
        problems.append(f"{where}: the image does not copy a file to /execd")
    if "docker/execd/bootstrap.sh /bootstrap.sh" not in copies:
        problems.append(f"{where}: the image does not copy docker/execd/bootstrap.sh to /bootstrap.sh")
    if any("ln " in run and ("/execd" in run or "/bootstrap.sh" in run) for run in runtime.args("RUN")):
        problems.append(f"{where}: /execd and /bootstrap.sh must be regular files, not links")
    workdirs = runtime.args("WORKDIR")
    if workdirs[-1:] != ["/"]:
        problems.append(f"{where}: working directory is {workdirs[-1:]}, want / (the server's installer runs ./execd)")
    with tempfile.TemporaryDirectory() as tmp:
        bundle = os.path.join(tmp, "bundle")
        subprocess.run([os.path.join(repo, "scripts/bundle_execd.sh"), binary, bundle],
                       check=True, stdout=subprocess.DEVNULL)
        libraries, loader = libraries_of(binary)
        client = opened_at_run_time(MARIADB_CLIENT)
        if client is None:
            problems.append(f"{MARIADB_CLIENT} (opened by execd's first SQL run) is not installed")
        else:
            libraries += [client] + libraries_of(client)[0]
        for library in libraries + loader:
            if not os.path.isfile(os.path.join(bundle, "lib", os.path.basename(library))):
                problems.append(f"execd bundle lacks {os.path.basename(library)}")
        for member in ("execd", "bootstrap.sh", "libexec/execd"):
            if not os.access(os.path.join(bundle, member), os.X_OK):
                problems.append(f"execd bundle lacks executable {member}")


def check_dockerignore(repo, problems):
    path = os.path.join(repo, ".dockerignore")
    if not os.path.isfile(path):
        problems.append(".dockerignore is missing")
        return
    entries = {line.strip() for line in open(path, encoding="utf-8") if line.strip()}
    for entry in (".git", "build*/"):
        if entry not in entries:
            problems.append(f".dockerignore does not exclude {entry}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True)
    parser.add_argument("--egress", required=True)
    parser.add_argument("--execd", required=True)
    options = parser.parse_args()
    if not shutil.which("apt-cache") or not shutil.which("dpkg"):
        print("SKIP: apt-cache and dpkg are needed to check package lists")
        return 77
    problems = []
    check_egress(options.repo, options.egress, problems)
    check_execd(options.repo, options.execd, problems)
    check_dockerignore(options.repo, problems)
    for problem in problems:
        print("FAIL:", problem)
    if not problems:
        print("PASS: Dockerfiles, runtime package lists and the execd bundle are consistent")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
