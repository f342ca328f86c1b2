#!/usr/bin/env bash
# Waits until CustomResourceDefinitions that an operator registers at run time
# (not at install time) exist and are Established. Used by `pulumi up` between
# the Cilium release and the first CiliumNetworkPolicy.
#
# usage: wait-for-crds.sh <timeout-seconds> <crd-name>...
set -euo pipefail
timeout=$1; shift
deadline=$(( $(date +%s) + timeout ))
for crd in "$@"; do
  until kubectl get crd "$crd" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "CRD $crd did not appear within ${timeout}s: is the Cilium operator running?" >&2
      echo "Check: kubectl -n kube-system get pods -l io.cilium/app=operator; kubectl -n kube-system logs deploy/cilium-operator" >&2
      exit 1
    fi
    sleep 2
  done
  remaining=$(( deadline - $(date +%s) ))
  kubectl wait --for condition=Established "crd/$crd" --timeout="$(( remaining > 1 ? remaining : 1 ))s"
done
