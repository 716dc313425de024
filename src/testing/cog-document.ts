/**
 * A model version's `openapi_schema` as Replicate serves it: the whole OpenAPI document
 * Cog generates for the model's HTTP server, with its `paths` (`/predictions`,
 * `/health-check`, …) around `components.schemas.Input` and `Output`. Given only Input and
 * Output schemas, the fake builds that document around them, as Cog would; given a whole
 * Cog document, it serves that one as it is.
 */
import type { InputSchema } from "./cog-input.js";

/** A Cog OpenAPI document, as a version's `openapi_schema` carries it. */
export interface CogDocument {
  openapi?: string;
  info?: Record<string, unknown>;
  paths?: Record<string, unknown>;
  components?: { schemas?: Record<string, unknown> };
  [key: string]: unknown;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const body = (schema: unknown) => ({ content: { "application/json": { schema } } });
const answers = (schema: unknown, validated: boolean) => ({
  "200": { ...body(schema), description: "Successful Response" },
  ...(validated && { "422": { ...body(ref("HTTPValidationError")), description: "Validation Error" } }),
});
const PREFER = { in: "header", name: "prefer", schema: { type: "string", title: "Prefer" }, required: false };
const idParam = (name: string, title: string) => ({
  in: "path",
  name,
  schema: { type: "string", title },
  required: true,
});

const titleCase = (text: string) => text.replace(/\b[a-z]/g, (c) => c.toUpperCase());

/**
 * An operation of Cog's server as FastAPI (which Cog runs on) describes it: summary,
 * operationId and response title all derive from the handler's name, `handler`.
 */
function operation(handler: string, method: string, path: string, validated = false) {
  const operationId = `${`${handler}${path}`.replace(/\W/g, "_")}_${method}`;
  const title = `Response ${titleCase(operationId.replace(/_/g, " "))}`;
  return { summary: titleCase(handler.replace(/_/g, " ")), responses: answers({ title }, validated), operationId };
}

/** The create, idempotent-create and cancel paths of one kind of job (predictions, or trainings). */
function jobPaths(kind: "prediction" | "training") {
  const plural = `/${kind}s`;
  const id = `${kind}_id`;
  const Kind = kind === "prediction" ? "Prediction" : "Training";
  const verb = kind === "prediction" ? "predict" : "train";
  const request = ref(`${Kind}Request`);
  return {
    [plural]: {
      post: {
        ...operation(verb, "post", plural),
        responses: answers(ref(`${Kind}Response`), true),
        parameters: [PREFER],
        requestBody: body(request),
      },
    },
    [`${plural}/{${id}}`]: {
      put: {
        ...operation(`${verb}_idempotent`, "put", `${plural}/{${id}}`),
        responses: answers(ref(`${Kind}Response`), true),
        parameters: [idParam(id, `${Kind} ID`), PREFER],
        requestBody: { ...body({ allOf: [request], title: `${Kind} Request` }), required: true },
      },
    },
    [`${plural}/{${id}}/cancel`]: {
      post: {
        ...operation(kind === "prediction" ? "cancel" : "cancel_training", "post", `${plural}/{${id}}/cancel`, true),
        parameters: [idParam(id, `${Kind} ID`)],
      },
    },
  };
}

/** The request and response schemas of one kind of job, around its input and output. */
function jobSchemas(Kind: "Prediction" | "Training", input: string, output: string) {
  const time = (title: string) => ({ type: "string", title, format: "date-time" });
  return {
    [`${Kind}Request`]: {
      type: "object",
      title: `${Kind}Request`,
      properties: {
        id: { type: "string", title: "Id" },
        input: ref(input),
        webhook: { type: "string", title: "Webhook", format: "uri", maxLength: 65536, minLength: 1 },
        created_at: time("Created At"),
        output_file_prefix: { type: "string", title: "Output File Prefix" },
        webhook_events_filter: {
          type: "array",
          items: ref("WebhookEvent"),
          default: ["start", "output", "logs", "completed"],
        },
      },
    },
    [`${Kind}Response`]: {
      type: "object",
      title: `${Kind}Response`,
      properties: {
        id: { type: "string", title: "Id" },
        logs: { type: "string", title: "Logs", default: "" },
        error: { type: "string", title: "Error" },
        input: ref(input),
        output: ref(output),
        status: ref("Status"),
        metrics: { type: "object", title: "Metrics" },
        version: { type: "string", title: "Version" },
        created_at: time("Created At"),
        started_at: time("Started At"),
        completed_at: time("Completed At"),
      },
    },
  };
}

/** The schemas every Cog document has besides the model's own. */
const COMMON_SCHEMAS = {
  Status: {
    enum: ["starting", "processing", "succeeded", "canceled", "failed"],
    type: "string",
    title: "Status",
    description: "An enumeration.",
  },
  WebhookEvent: {
    enum: ["start", "output", "logs", "completed"],
    type: "string",
    title: "WebhookEvent",
    description: "An enumeration.",
  },
  ValidationError: {
    type: "object",
    title: "ValidationError",
    required: ["loc", "msg", "type"],
    properties: {
      loc: { type: "array", items: { anyOf: [{ type: "string" }, { type: "integer" }] }, title: "Location" },
      msg: { type: "string", title: "Message" },
      type: { type: "string", title: "Error Type" },
    },
  },
  HTTPValidationError: {
    type: "object",
    title: "HTTPValidationError",
    properties: { detail: { type: "array", items: ref("ValidationError"), title: "Detail" } },
  },
};

/**
 * The Cog document for a model with these Input and Output schemas; a trainer's has
 * the training paths too. Without an Input schema the model takes any object, without an
 * Output schema it returns anything (Cog's `{ "title": "Output" }`).
 *
 * @example
 * cogDocument({ type: "object", properties: { text: { type: "string" } } }, { type: "string" }, false).paths
 * // { "/": …, "/health-check": …, "/predictions": …, "/predictions/{prediction_id}": …, … }
 */
export function cogDocument(input: InputSchema | undefined, output: unknown, trainable: boolean): CogDocument {
  const training = trainable && {
    ...jobSchemas("Training", "TrainingInput", "TrainingOutput"),
    TrainingInput: { type: "object", title: "TrainingInput", properties: {} },
    TrainingOutput: {
      type: "object",
      title: "TrainingOutput",
      properties: { weights: { type: "string", title: "Weights", format: "uri" } },
    },
  };
  return {
    openapi: "3.0.2",
    info: { title: "Cog", version: "0.1.0" },
    paths: {
      "/": { get: operation("root", "get", "/") },
      "/health-check": { get: operation("healthcheck", "get", "/health-check") },
      ...jobPaths("prediction"),
      ...(trainable && jobPaths("training")),
      "/shutdown": { post: operation("start_shutdown", "post", "/shutdown") },
    },
    components: {
      schemas: {
        Input: input ?? { type: "object", title: "Input", properties: {} },
        Output: output ?? { title: "Output" },
        ...COMMON_SCHEMAS,
        ...jobSchemas("Prediction", "Input", "Output"),
        ...training,
      },
    },
  };
}
