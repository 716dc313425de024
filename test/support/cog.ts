// What every Cog OpenAPI document holds, as the recordings of real versions show: the
// fake's documents are checked against these lists.

/** The paths of a Cog model's server. */
export const COG_PATHS = [
  "/",
  "/health-check",
  "/predictions",
  "/predictions/{prediction_id}",
  "/predictions/{prediction_id}/cancel",
  "/shutdown",
];
