/**
 * `replicate-kit/testing`: a fake Replicate for your tests, in memory and offline.
 *
 * @example
 * import { createReplicate } from "replicate-kit"
 * import { createFakeReplicate } from "replicate-kit/testing"
 * const fake = createFakeReplicate()
 * fake.model("acme/upper", (input) => String(input.text).toUpperCase())
 * const replicate = createReplicate({ auth: "test", fetch: fake.fetch })
 */
export type { FakeFetch } from "./abortable.js";
export type { CogDocument } from "./cog-document.js";
export type { InputSchema } from "./cog-input.js";
export { createFakeReplicate, type FakeModelOptions, type FakeReplicate, type FakeReplicateOptions } from "./fake.js";
export type { ModelFunction, RunContext } from "./jobs.js";
export type { Faults } from "./route-context.js";
export type { Delivery } from "./webhook-send.js";
