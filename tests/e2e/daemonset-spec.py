#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
"""The Kubernetes files under scripts/kubernetes, for tests/e2e/test-image.sh.

usage: daemonset-spec.py check DIR
         Every DIR/*.yaml parses (python3-yaml), each document has apiVersion,
         kind and metadata.name, the known files hold the kinds they should,
         and the objects agree with each other (selectors, ports, volumes,
         namespace, service account, config map). One problem a line on
         stdout; none: the files are consistent. Exit 0 either way, 2 on bad usage.
       daemonset-spec.py spec FILE CONFIGDIR
         The DaemonSet of FILE as JSON on stdout, what podman needs to run its
         container as the kubelet would: image, command, args, capabilities (CAP_
         names), hostPID, readOnlyRootFilesystem, runAsUser, seccomp, and the
         mounts (hostPath: host path, type, read-only; configMap: its data
         laid out in CONFIGDIR/VOLUME as the kubelet does, KEY a link to
         ..data/KEY, that directory given as the host path).
"""
import json
import os
import sys

import yaml

# The kinds each of these files holds, exactly; their objects must also be
# in a namespace defined here.
EXPECTED_KINDS = {
    "daemonset.yaml": {"Namespace", "ServiceAccount", "ConfigMap", "DaemonSet"},
    "servicemonitor.yaml": {"Service", "ServiceMonitor"},
}
# Kinds these files hold among others (other files: only parsed).
REQUIRED_KINDS = {
    "prometheusrule.yaml": {"PrometheusRule"},
}
CLUSTER_SCOPED = {"Namespace"}


def load(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_daemonset(ds, objs, problems):
    spec = ds["spec"]
    tmpl = spec["template"]
    pod = tmpl["spec"]
    labels = tmpl["metadata"].get("labels", {})
    if not matches(spec["selector"].get("matchLabels"), labels):
        problems.append("DaemonSet selector does not match its pod template's labels")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    ports = {}
    for c in pod["containers"]:
        ports.update({p["name"]: p["containerPort"] for p in c.get("ports", []) if "name" in p})
        for m in c.get("volumeMounts", []):
            if m["name"] not in volumes:
                problems.append(f"volumeMount {m['name']} names no volume")
        sc = c.get("securityContext", {})
        if sc.get("privileged"):
            problems.append(f"container {c['name']} is privileged")
        if "ALL" not in sc.get("capabilities", {}).get("drop", []):
            problems.append(f"container {c['name']} does not drop ALL capabilities")
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            port = c.get(probe, {}).get("httpGet", {}).get("port")
            if isinstance(port, str) and port not in ports:
                problems.append(f"{probe} port {port} is not a container port")
    ann = tmpl["metadata"].get("annotations", {})
    if "prometheus.io/port" in ann and int(ann["prometheus.io/port"]) not in ports.values():
        problems.append(f"prometheus.io/port {ann['prometheus.io/port']} is not a container port")
    sa = pod.get("serviceAccountName")
    if sa and not any(o["kind"] == "ServiceAccount" and o["metadata"]["name"] == sa for o in objs):
        problems.append(f"service account {sa} is not defined")
    for v in volumes.values():
        cm = v.get("configMap", {}).get("name")
        if cm and not any(o["kind"] == "ConfigMap" and o["metadata"]["name"] == cm for o in objs):
            problems.append(f"config map {cm} is not defined")
    return labels, ports


def check(directory):
    problems, objs, ours = [], [], []
    files = sorted(f for f in os.listdir(directory) if f.endswith((".yaml", ".yml")))
    if not files:
        problems.append(f"no YAML files in {directory}")
    for name in files:
        try:
            docs = load(os.path.join(directory, name))
        except yaml.YAMLError as e:
            problems.append(f"{name}: does not parse: {str(e).splitlines()[0]}")
            continue
        for i, d in enumerate(docs):
            if not isinstance(d, dict) or not all(k in d for k in ("apiVersion", "kind")) or \
                    not d.get("metadata", {}).get("name"):
                problems.append(f"{name}: document {i + 1} lacks apiVersion, kind or metadata.name")
                continue
            objs.append(d)
        kinds = {d.get("kind") for d in docs if isinstance(d, dict)}
        want = EXPECTED_KINDS.get(name)
        if want and kinds != want:
            problems.append(f"{name}: kinds {sorted(kinds)}, want {sorted(want)}")
        need = REQUIRED_KINDS.get(name, set())
        if not need <= kinds:
            problems.append(f"{name}: kinds {sorted(kinds)}, want {sorted(need)} among them")
        if want:
            ours.extend(d for d in docs if isinstance(d, dict))
    namespaces = {o["metadata"]["name"] for o in objs if o["kind"] == "Namespace"}
    for o in ours:
        ns = o.get("metadata", {}).get("namespace")
        if o.get("kind") not in CLUSTER_SCOPED and ns not in namespaces:
            problems.append(f"{o.get('kind')} {o.get('metadata', {}).get('name')}: "
                            f"namespace {ns} is not defined here")
    labels, ports = {}, {}
    for ds in (o for o in objs if o["kind"] == "DaemonSet"):
        labels, ports = check_daemonset(ds, objs, problems)
    services = [o for o in objs if o["kind"] == "Service"]
    for svc in services:
        if not matches(svc["spec"].get("selector"), labels):
            problems.append(f"Service {svc['metadata']['name']} selects no DaemonSet pod")
        for p in svc["spec"].get("ports", []):
            if p.get("targetPort") not in ports and p.get("targetPort") not in ports.values():
                problems.append(f"Service port {p.get('name')} targets no container port")
    for sm in (o for o in objs if o["kind"] == "ServiceMonitor"):
        chosen = [s for s in services
                  if matches(sm["spec"]["selector"].get("matchLabels"), s["metadata"].get("labels", {}))]
        if not chosen:
            problems.append(f"ServiceMonitor {sm['metadata']['name']} selects no Service")
        names = {p.get("name") for s in chosen for p in s["spec"].get("ports", [])}
        for ep in sm["spec"].get("endpoints", []):
            if ep.get("port") not in names:
                problems.append(f"ServiceMonitor endpoint port {ep.get('port')} is no port of its Service")
    print("\n".join(problems))


def spec(path, configdir):
    objs = load(path)
    ds = next(o for o in objs if o["kind"] == "DaemonSet")
    pod = ds["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    sc = c.get("securityContext", {})
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    mounts = []
    for m in c.get("volumeMounts", []):
        v = volumes[m["name"]]
        entry = {"name": m["name"], "path": m["mountPath"], "read_only": bool(m.get("readOnly"))}
        if "hostPath" in v:
            entry.update(host=v["hostPath"]["path"], type=v["hostPath"].get("type", ""))
        elif "configMap" in v:
            cm = next(o for o in objs if o["kind"] == "ConfigMap" and
                      o["metadata"]["name"] == v["configMap"]["name"])
            # As the kubelet lays a ConfigMap out: each key a link into
            # ..data, itself a link to a timestamped directory.
            d = os.path.join(configdir, m["name"])
            real = os.path.join(d, "..2026_01_01_00_00_00.000000000")
            os.makedirs(real, exist_ok=True)
            os.symlink(os.path.basename(real), os.path.join(d, "..data"))
            for key, text in cm.get("data", {}).items():
                with open(os.path.join(real, key), "w", encoding="utf-8") as f:
                    f.write(text)
                os.symlink(os.path.join("..data", key), os.path.join(d, key))
            entry.update(host=d, type="configMap")
        else:
            raise SystemExit(f"volume {m['name']}: neither hostPath nor configMap")
        mounts.append(entry)
    caps = sc.get("capabilities", {}).get("add", [])
    print(json.dumps({
        "image": c.get("image", ""),
        "command": c.get("command", []),
        "args": c.get("args", []),
        "capabilities": [x if x.startswith("CAP_") else "CAP_" + x for x in caps],
        "host_pid": bool(pod.get("hostPID")),
        "host_network": bool(pod.get("hostNetwork")),
        "read_only_root": bool(sc.get("readOnlyRootFilesystem")),
        "privileged": bool(sc.get("privileged")),
        "run_as_user": sc.get("runAsUser"),
        "seccomp": sc.get("seccompProfile", {}).get("type", ""),
        "mounts": mounts,
    }))


def main(argv):
    if len(argv) == 3 and argv[1] == "check":
        check(argv[2])
    elif len(argv) == 4 and argv[1] == "spec":
        spec(argv[2], argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
