# Runs the bundled helloworld worker on workerd (Cloudflare's runtime):
#   deno task build:worker && tools/node_modules/.bin/workerd serve examples/helloworld/workerd.capnp
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "helloworld", worker = .helloworld) ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "helloworld") ],
);

const helloworld :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "../../dist/helloworld-worker.js") ],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = ["nodejs_compat"],
);
