#!/usr/bin/env bash
# The observability bundle is valid as shipped: the rules load, every alert's unit test
# passes, Alertmanager accepts its config, the Prometheus config parses, and every
# dashboard query names a recording rule the bundle defines or a family varta-watch
# documents (docs/compat.md section 4).
#   check_bundle.sh SOURCE_DIR
set -euo pipefail
src=$1
cd "$src/observability"
promtool check rules varta-alerts.yml varta-recording.yml > /dev/null
promtool test rules varta-alerts.test.yml > /dev/null
amtool check-config alertmanager.yml > /dev/null
promtool check config --syntax-only prometheus.yml > /dev/null
recorded=$(grep -oE 'record: [a-z_:0-9]+' varta-recording.yml | cut -d' ' -f2)
status=0
for name in $(python3 -c 'import json,sys; [print(t["expr"]) for p in json.load(open("grafana-dashboard.json"))["panels"] for t in p["targets"]]' \
              | grep -oE '[a-z_]+:[a-z_:0-9]+|varta_[a-z_]+' | sort -u); do
    case "$name" in
        *:*) grep -qx "$name" <<< "$recorded" || { echo "dashboard: $name is no recording rule of the bundle"; status=1; } ;;
        # A family is documented as `name` or, info-style, as `name{labels}`.
        *) grep -qE "\`$name(\`|\{)" "$src/docs/compat.md" || { echo "dashboard: $name is no documented family"; status=1; } ;;
    esac
done
exit $status
