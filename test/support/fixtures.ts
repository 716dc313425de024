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
