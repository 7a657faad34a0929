// Usage texts, one per command, so `atreus help <command>` and `<command> --help` agree.

/** Usage of every command, by name. */
export const commandHelp: Readonly<Record<string, string>> = {
  new: `atreus new <dir> [--name <service>] [--atreus <jsr-specifier-or-path>]

Creates a service in the Kratos layout (api/, configs/, internal/{biz,conf,data,server,service},
main.ts, worker.ts, buf.yaml, buf.gen.yaml, deno.json). <dir> must not exist or be empty.

  --name     service name, a lowercase identifier (default: the directory's name)
  --atreus   where the project imports Atreus from: a jsr: specifier (default
             jsr:@atreus/atreus@^0.1) or the path of an Atreus checkout`,
  gen: `atreus gen [--dir <project>]

Runs buf generate for the project with protoc-gen-es and protoc-gen-atreus-errors. buf and
protoc-gen-es come from node_modules/.bin of the project or of the Atreus checkout, or PATH,
else from npm through Deno; protoc-gen-atreus-errors from the same Atreus release as the CLI.

  --dir      the project directory (default: .)`,
  proto: `atreus proto add <api/<package>/v1/<name>.proto> [--dir <project>]

Adds a proto with Create/Update/Delete/Get/List RPCs; its package follows the path
(api/shop/v1/cart.proto → package shop.v1, service Cart). Run atreus gen afterwards.

  --dir      the project directory (default: .)`,
  run: `atreus run [--dir <project>] [--no-watch] [--watch-dir <dir>] [-- <args for main.ts>]

Runs the project's main.ts with Deno and restarts it when a source file changes. SIGINT or
SIGTERM stop it gracefully (a second one stops it at once); the exit code is the app's.

  --dir       the project directory (default: .)
  --no-watch  run once, without restarting on changes
  --watch-dir the directory watched for changes (default: the project's)`,
  console:
    `atreus console (--registry <url> | --endpoints <[name=]url[,url…]>…) [--listen <host:port>]
               [--allow-calls] [--token <token>]

Serves a web page showing every service in the registry with its instances (live from the
registry's watch), their health (grpc.health.v1, or /readyz), their API from server reflection,
their metrics (/metrics) as small live charts, and a form to try a call.

  --registry     etcd://host:port[/namespace], consul://host:port[?token=&dc=],
                 nacos://host:port[?namespace=&group=&token=]; etcd+https:// etc. for TLS
  --endpoints    fixed instances instead of a registry, one per flag: [name=]url[,url…]
                 (host:port alone means grpc://host:port)
  --listen       address of the page (default 127.0.0.1:7070; beyond loopback needs a token)
  --allow-calls  let the page call services (off by default)
  --token        guard the page, its API and events with this bearer token (also
                 ATREUS_CONSOLE_TOKEN); open the printed URL with ?token=<token> once`,
  version: `atreus version

Prints the version of the CLI.`,
  help: `atreus help [<command>]

Prints the usage of atreus or of one command.`,
};

/** The overview printed by `atreus help`. */
export const overview: string = `atreus: the Atreus CLI (in the spirit of Kratos's kratos tool)

Usage: atreus <command> [arguments]

Commands:
  new <dir>            create a service in the Kratos layout
  gen                  generate code from the project's protos (buf)
  proto add <file>     add a proto to the project
  run                  run the project's main.ts, restarting on changes
  console              a web console of the services in a registry
  version              print the version
  help [<command>]     print this help or a command's

Run atreus help <command> for its flags.`;
