#!/bin/sh
# What a openbsd CI runner executes (as root for the tunnel part). NOT executed in
# this project's CI, which runs on Linux only; see ci/README.md.
set -eu
cd "$(dirname "$0")/../.."
pkg_add -I node python%3 gmake g++  # node 20+, node-gyp needs python and a C compiler
npm install                 # node-gyp builds build/Release/iked_kernel.node from binding.gyp (OS condition: openbsd)
npx tsc -p .
node -e 'const a = require("./build/Release/iked_kernel.node"); console.log("addon adapters:", a.adapters, "dialect:", a.pfkeyDialect)'
IKED_SKIP_INTEGRATION=1 node --test dist/test/
ci/tunnel-two-instances.sh openbsd
