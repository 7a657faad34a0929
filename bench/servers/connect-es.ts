// Baseline: Connect-ES's own server path behind Hono, the way apps mount it today
// (universalServerRequestFromFetch → router handler → universalServerResponseToFetch): the same
// app the bundle group measures as the Workers floor.
import floor from "../workers/connect_es.ts";
import { listen } from "./listen.ts";

await listen(floor.fetch);
