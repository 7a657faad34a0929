/**
 * gRPC server reflection (`grpc.reflection.v1` and `v1alpha`), so grpcurl, `buf curl` without
 * `--schema`, Postman and IDE plugins can list services and download their descriptors. The
 * servers register it by default (`reflection: false` turns it off).
 *
 * @module
 */
export { REFLECTION_SERVICES, reflectionServices } from "./service.ts";
