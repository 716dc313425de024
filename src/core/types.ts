/**
 * Friendly names for the API's objects. Each is an alias into the generated types, so
 * they follow the schema and are never hand-copied.
 */
import type { OperationResults } from "../generated/operations.js";

/** @example const p: Prediction = await replicate.predictions.get({ prediction_id }) */
export type Prediction = OperationResults["predictions.get"];
type RawTraining = OperationResults["trainings.get"];
/**
 * A training. The schema marks every field optional; `id` and `status` are always
 * there, so they are required here.
 * @example const t: Training = await waitForTraining(replicate, training_id)
 */
export type Training = RawTraining & { id: string; status: NonNullable<RawTraining["status"]> };
/** @example const m: Model = await replicate.models.get({ model_owner, model_name }) */
export type Model = OperationResults["models.get"];
/** @example const v: ModelVersion = await replicate.models.versions.get({ model_owner, model_name, version_id }) */
export type ModelVersion = OperationResults["models.versions.get"];
/** @example const d: Deployment = await replicate.deployments.get({ deployment_owner, deployment_name }) */
export type Deployment = OperationResults["deployments.get"];
/** @example const c: Collection = await replicate.collections.get({ collection_slug: "super-resolution" }) */
export type Collection = OperationResults["collections.get"];
/** @example const f: FileObject = await replicate.files.get({ file_id }) */
export type FileObject = OperationResults["files.get"];
/** @example const a: Account = await replicate.account.get() */
export type Account = OperationResults["account.get"];
/** @example const h: Hardware[] = await replicate.hardware.list() */
export type Hardware = OperationResults["hardware.list"][number];
