#!/usr/bin/env bash
# Installs the VS Code test host (the VS Code server inside code-server@4.100.3) apart from the
# extension's own node_modules. Idempotent and cached: a finished install leaves a stamp file and
# later runs return at once. code-server's postinstall downloads ripgrep from the internet, which
# these machines cannot reach, so scripts are skipped and native modules rebuilt by hand
# (recipe: shared/notes/test-host.md).
set -euo pipefail

VERSION="4.100.3"
HOST_DIR="${BACKUP_SCHEDULER_TEST_HOST_DIR:-$HOME/.cache/backup-scheduler/test-host}"
DIR="$HOST_DIR/code-server-$VERSION"
STAMP="$DIR/.installed"
CS="$DIR/node_modules/code-server"

if [ -f "$STAMP" ] && [ -f "$CS/lib/vscode/out/server-main.js" ]; then
  echo "test host: code-server $VERSION already installed in $DIR"
  exit 0
fi

for bin in rg; do
  command -v "$bin" >/dev/null || { echo "test host: '$bin' is missing (apt-get install ripgrep)" >&2; exit 1; }
done

echo "test host: installing code-server $VERSION into $DIR"
rm -rf "$DIR"
mkdir -p "$DIR"
cd "$DIR"
cat > package.json <<JSON
{ "name": "backup-scheduler-test-host", "private": true, "dependencies": { "code-server": "$VERSION" } }
JSON
npm install --ignore-scripts --no-audit --no-fund --loglevel=error
( cd "$CS" && npm rebuild argon2 --loglevel=error )
cd "$CS/lib/vscode"
npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error
npm_config_yes=true npm rebuild kerberos node-pty @parcel/watcher @vscode/spdlog native-watchdog @vscode/deviceid --loglevel=error
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
[ -e node_modules.asar ] || ln -s node_modules node_modules.asar
node -e "require('./package.json'); console.log('test host: VS Code ' + require('./package.json').version)"
touch "$STAMP"
