import * as lib from "replicate-kit";
import { scenario } from "./scenario.mjs";

await scenario(lib, { FAKE_URL: process.env.FAKE_URL });
