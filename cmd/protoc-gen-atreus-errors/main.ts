/**
 * protoc-gen-atreus-errors as a program, for buf and protoc: reads a CodeGeneratorRequest on
 * stdin and writes the CodeGeneratorResponse to stdout. `atreus gen` runs it; elsewhere name it
 * in buf.gen.yaml as
 * `local: [deno, run, --allow-read, --allow-env, jsr:@atreus/atreus/protoc-gen-atreus-errors]`.
 * @module
 */
import { runNodeJs } from "@bufbuild/protoplugin";
import { protocGenAtreusErrors } from "./plugin.ts";

runNodeJs(protocGenAtreusErrors);
