#!/bin/sh
# What a freebsd CI runner executes (as root for the tunnel part). NOT executed in
# this project's CI, which runs on Linux only; see ci/README.md.
set -eu
cd "$(dirname "$0")/../.."
pkg install -y node20 npm-node20 python3 gmake
npm install                 # node-gyp builds build/Release/iked_kernel.node from binding.gyp (OS condition: freebsd)
npx tsc -p .
node -e 'const a = require("./build/Release/iked_kernel.node"); console.log("addon adapters:", a.adapters, "dialect:", a.pfkeyDialect)'
IKED_SKIP_INTEGRATION=1 node --test dist/test/
ci/tunnel-two-instances.sh freebsd
