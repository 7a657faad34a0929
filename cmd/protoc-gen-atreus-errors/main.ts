// Entry point buf and protoc run (through the protoc-gen-atreus-errors wrapper script): reads a
// CodeGeneratorRequest on stdin, writes the CodeGeneratorResponse to stdout.
import { runNodeJs } from "@bufbuild/protoplugin";
import { protocGenAtreusErrors } from "./plugin.ts";

runNodeJs(protocGenAtreusErrors);
