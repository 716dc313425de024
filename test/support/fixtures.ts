// Resources as the API returns them, for tests to answer requests with.

/** The version of `acme/model` that predictions run on. */
export const PREDICTION_VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";

/** The version of the trainer `acme/trainer` that trainings run on. */
export const TRAINER_VERSION = "b8f9c3a5e0d14a6f9c2e7d3b1a0f5e4c8d7b6a5f4e3d2c1b0a9f8e7d6c5b4a39";

/** A job (prediction or training) as the API returns one, with no output yet. */
const job =
  (kind: "predictions" | "trainings", model: string, version: string, input: Record<string, unknown>) =>
  (id: string, status: string, extra: Record<string, unknown> = {}) => ({
    id,
    model,
    version,
    input,
    status,
    logs: "",
    error: null,
    output: null,
    created_at: "2025-01-01T00:00:00.000Z",
    urls: {
      get: `https://api.replicate.com/v1/${kind}/${id}`,
      cancel: `https://api.replicate.com/v1/${kind}/${id}/cancel`,
      ...(kind === "predictions" && { web: `https://replicate.com/p/${id}` }),
    },
    ...extra,
  });

/** A prediction of `acme/model` with no output yet, its URLs on api.replicate.com; `extra` replaces any field. */
export const prediction = job("predictions", "acme/model", PREDICTION_VERSION, { prompt: "hi" });

/** Svix's public Standard Webhooks test vector (also used by Replicate's own clients). */
export const SVIX_VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
} as const;

/** A training of `acme/trainer` with no output yet, its URLs on api.replicate.com; `extra` replaces any field. */
export const training = job("trainings", "acme/trainer", TRAINER_VERSION, { steps: 10 });
