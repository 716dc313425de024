// Resources as the API returns them, for tests to answer requests with.

/** The version of `acme/model` that predictions run on. */
export const PREDICTION_VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";

/** A prediction of `acme/model` with no output yet, its URLs on api.replicate.com; `extra` replaces any field. */
export const prediction = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
  id,
  model: "acme/model",
  version: PREDICTION_VERSION,
  input: { prompt: "hi" },
  status,
  logs: "",
  error: null,
  output: null,
  created_at: "2025-01-01T00:00:00.000Z",
  urls: {
    get: `https://api.replicate.com/v1/predictions/${id}`,
    cancel: `https://api.replicate.com/v1/predictions/${id}/cancel`,
    web: `https://replicate.com/p/${id}`,
  },
  ...extra,
});

/** Svix's public Standard Webhooks test vector (also used by Replicate's own clients). */
export const SVIX_VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
} as const;

/** The version of the trainer `acme/trainer` that trainings run on. */
export const TRAINER_VERSION = "b8f9c3a5e0d14a6f9c2e7d3b1a0f5e4c8d7b6a5f4e3d2c1b0a9f8e7d6c5b4a39";

/** A training of `acme/trainer` with no output yet, its URLs on api.replicate.com; `extra` replaces any field. */
export const training = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
  id,
  model: "acme/trainer",
  version: TRAINER_VERSION,
  input: { steps: 10 },
  status,
  logs: "",
  error: null,
  output: null,
  created_at: "2025-01-01T00:00:00.000Z",
  urls: {
    get: `https://api.replicate.com/v1/trainings/${id}`,
    cancel: `https://api.replicate.com/v1/trainings/${id}/cancel`,
  },
  ...extra,
});
