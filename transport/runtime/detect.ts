// The runtime detector lives in internal/ so that log/ can use it without importing transport/.
export { detectRuntime, type RuntimeName } from "../../internal/runtime.ts";
