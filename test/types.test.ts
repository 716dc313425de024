// Compile-time checks of the public method types. `expectTypeOf` does nothing at run
// time; the `@ts-expect-error` lines are checked by `tsc -p tsconfig.test.json`, which
// fails if any of them is not actually an error. Calls that would send a request sit in
// functions that are never called.
import nock from "nock";
import { describe, expectTypeOf, test } from "vitest";
import {
  type Account,
  createReplicate,
  type Deployment,
  type FileObject,
  type Model,
  type OperationParams,
  type OperationResults,
  type PagePromise,
  type Prediction,
  type Training,
  waitForTraining,
} from "../src/index.js";

const replicate = createReplicate({ auth: "r8_test", retry: false });

/** An intersection flattened into one object type, so it can be compared exactly. */
type Flat<T> = { [K in keyof T]: T[K] };

/** The item type an async iterable yields. */
type ItemOf<T> = T extends AsyncIterable<infer I> ? I : never;

type PredictionStatus = "starting" | "processing" | "succeeded" | "failed" | "canceled" | "aborted";

/** Type-only: never called, so nothing is sent. */
function neverCalled(_body: () => unknown): void {}

describe("params", () => {
  test("predictions.get requires prediction_id", () => {
    expectTypeOf(replicate.predictions.get).parameter(0).toEqualTypeOf<{ prediction_id: string }>();
    expectTypeOf(replicate.predictions.get).toBeCallableWith({ prediction_id: "abc" });
    expectTypeOf(replicate.predictions.get).toBeCallableWith({ prediction_id: "abc" }, { timeoutMs: 5_000 });

    neverCalled(() => {
      // @ts-expect-error prediction_id is missing
      void replicate.predictions.get({});
      // @ts-expect-error the params object itself is required
      void replicate.predictions.get();
      // @ts-expect-error misspelled key
      void replicate.predictions.get({ predictionId: "abc" });
      // @ts-expect-error an extra, unknown key next to the right one
      void replicate.predictions.get({ prediction_id: "abc", version: "v" });
      // @ts-expect-error prediction_id is a string
      void replicate.predictions.get({ prediction_id: ["abc"] });
      // @ts-expect-error params are an object, not the bare id
      void replicate.predictions.get("abc");
    });
  });

  test("operations without params are callable with no arguments", () => {
    expectTypeOf(replicate.account.get).toBeCallableWith();
    expectTypeOf(replicate.hardware.list).toBeCallableWith();
    expectTypeOf(replicate.webhooks.default.secret.get).toBeCallableWith();
    expectTypeOf(replicate.predictions.list).toBeCallableWith();
    expectTypeOf(replicate.account.get).toBeCallableWith(undefined, { signal: new AbortController().signal });

    neverCalled(() => {
      // @ts-expect-error account.get takes no params
      void replicate.account.get({ verbose: true });
    });
  });

  test("path, query and header params are typed by name", () => {
    expectTypeOf(replicate.models.versions.get).parameter(0).toEqualTypeOf<{
      model_owner: string;
      model_name: string;
      version_id: string;
    }>();
    expectTypeOf<Flat<OperationParams["files.download"]>>().toEqualTypeOf<{
      file_id: string;
      owner: string;
      expiry: number;
      signature: string;
    }>();
    expectTypeOf<OperationParams["models.list"]>().toEqualTypeOf<{
      sort_by?: "model_created_at" | "latest_version_created_at";
      sort_direction?: "asc" | "desc";
    }>();

    neverCalled(() => {
      // @ts-expect-error expiry is a number
      void replicate.files.download({ file_id: "f", owner: "o", expiry: "1", signature: "s" });
      // @ts-expect-error signature is required
      void replicate.files.download({ file_id: "f", owner: "o", expiry: 1 });
      // @ts-expect-error sort_direction is "asc" | "desc"
      void replicate.models.list({ sort_direction: "up" });
      // @ts-expect-error search needs a query
      void replicate.search({ limit: 5 });
    });
  });

  test("header params Prefer and Cancel-After are optional strings", () => {
    type Create = OperationParams["predictions.create"];
    expectTypeOf<Create["Prefer"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Create["Cancel-After"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<OperationParams["models.predictions.create"]["Prefer"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<OperationParams["deployments.predictions.create"]["Cancel-After"]>().toEqualTypeOf<
      string | undefined
    >();
    expectTypeOf(replicate.predictions.create).toBeCallableWith({
      Prefer: "wait=5",
      "Cancel-After": "5m",
      body: { version: "v", input: { prompt: "hi" } },
    });

    neverCalled(() => {
      // @ts-expect-error Prefer is a string such as "wait=5"
      void replicate.predictions.create({ Prefer: 5, body: { version: "v", input: {} } });
      // @ts-expect-error header names keep the schema's spelling
      void replicate.predictions.create({ prefer: "wait=5", body: { version: "v", input: {} } });
      void replicate.models.predictions.create({
        model_owner: "o",
        model_name: "n",
        // @ts-expect-error Cancel-After is a string such as "5m"
        "Cancel-After": 300,
      });
      // @ts-expect-error the prediction request needs `input`
      void replicate.predictions.create({ body: { version: "v" } });
    });
  });

  test("models.search takes its query as a string body", () => {
    expectTypeOf(replicate.models.search).parameter(0).toEqualTypeOf<{ body: string }>();

    neverCalled(() => {
      // @ts-expect-error body is required
      void replicate.models.search({});
      // @ts-expect-error params are required
      void replicate.models.search();
      // @ts-expect-error the body is text, not an object
      void replicate.models.search({ body: { query: "flux" } });
      // @ts-expect-error the text goes in `body`, not a `query` param
      void replicate.models.search({ query: "flux" });
    });
  });

  test("files.create takes a Blob as content", () => {
    type Body = NonNullable<OperationParams["files.create"]["body"]>;
    expectTypeOf<Body["content"]>().toEqualTypeOf<Blob>();
    expectTypeOf<Body["metadata"]>().toEqualTypeOf<Record<string, unknown> | undefined>();
    expectTypeOf(replicate.files.create).toBeCallableWith({
      body: { content: new Blob(["hi"]), filename: "hi.txt", metadata: { a: 1 } },
    });
    expectTypeOf(replicate.files.create).toBeCallableWith({ body: { content: new File(["hi"], "hi.txt") } });

    neverCalled(() => {
      // @ts-expect-error content is a Blob, not a string
      void replicate.files.create({ body: { content: "hello" } });
      // @ts-expect-error content is required in the body
      void replicate.files.create({ body: { filename: "hi.txt" } });
    });
  });

  test("JSON bodies are typed from the schema", () => {
    neverCalled(() => {
      // @ts-expect-error deployments.create needs the whole configuration
      void replicate.deployments.create({ body: { name: "x" } });
      // @ts-expect-error min_instances is a number
      void replicate.deployments.update({ deployment_owner: "o", deployment_name: "n", body: { min_instances: "1" } });
      // @ts-expect-error trainings.create's body needs a destination
      void replicate.trainings.create({ model_owner: "o", model_name: "n", version_id: "v", body: { input: {} } });
    });
  });

  test("request(id, ...) is typed like the method", () => {
    expectTypeOf(replicate.request<"predictions.get">)
      .parameter(1)
      .toEqualTypeOf<{ prediction_id: string }>();
    expectTypeOf(replicate.request<"account.get">).returns.resolves.toEqualTypeOf<Account>();

    neverCalled(() => {
      // @ts-expect-error not an operationId
      void replicate.request("predictions.gett", { prediction_id: "x" });
      // @ts-expect-error params of predictions.get
      void replicate.request("predictions.get", { training_id: "x" });
    });
  });
});

describe("results", () => {
  test("predictions.get resolves to a prediction", () => {
    expectTypeOf(replicate.predictions.get).returns.toEqualTypeOf<Promise<Prediction>>();
    expectTypeOf<Prediction["id"]>().toEqualTypeOf<string>();
    expectTypeOf<Prediction["status"]>().toEqualTypeOf<PredictionStatus>();
    expectTypeOf<Prediction["error"]>().toEqualTypeOf<string | null>();
    expectTypeOf<Prediction["urls"]["get"]>().toEqualTypeOf<string>();
    expectTypeOf(replicate.predictions.cancel).returns.resolves.toEqualTypeOf<Prediction>();
  });

  test("the create operations resolve to a prediction or training", () => {
    expectTypeOf(replicate.predictions.create).returns.resolves.toEqualTypeOf<Prediction>();
    expectTypeOf(replicate.models.predictions.create).returns.resolves.toEqualTypeOf<Prediction>();
    expectTypeOf(replicate.deployments.predictions.create).returns.resolves.toEqualTypeOf<Prediction>();
    // The raw operations give the schema's training, where every field is optional; the
    // friendly Training (what the training helpers return) makes id and status required.
    expectTypeOf(replicate.trainings.create).returns.resolves.toEqualTypeOf<OperationResults["trainings.get"]>();
    expectTypeOf(replicate.trainings.get).returns.resolves.toEqualTypeOf<OperationResults["trainings.get"]>();
    expectTypeOf<Training>().toExtend<OperationResults["trainings.get"]>();
    expectTypeOf<Training["id"]>().toEqualTypeOf<string>();
    expectTypeOf(waitForTraining).returns.resolves.toEqualTypeOf<Training>();
  });

  test("other objects", () => {
    expectTypeOf(replicate.account.get).returns.toEqualTypeOf<Promise<Account>>();
    expectTypeOf<Account["username"]>().toEqualTypeOf<string>();
    expectTypeOf<Account["type"]>().toEqualTypeOf<"organization" | "user">();
    expectTypeOf(replicate.models.get).returns.resolves.toEqualTypeOf<Model>();
    expectTypeOf(replicate.deployments.get).returns.resolves.toEqualTypeOf<Deployment>();
    expectTypeOf(replicate.files.get).returns.resolves.toEqualTypeOf<FileObject>();
    expectTypeOf(replicate.files.create).returns.resolves.toEqualTypeOf<FileObject>();
    expectTypeOf(replicate.hardware.list).returns.resolves.toEqualTypeOf<{ name?: string; sku?: string }[]>();
    expectTypeOf(replicate.webhooks.default.secret.get).returns.resolves.toEqualTypeOf<{ key?: string }>();
    expectTypeOf(replicate.search).returns.resolves.toHaveProperty("query").toEqualTypeOf<string>();
  });

  test("text, binary and bodiless responses", () => {
    expectTypeOf(replicate.models.readme.get).returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf(replicate.files.download).returns.toEqualTypeOf<Promise<Blob>>();
    expectTypeOf(replicate.deployments.delete).returns.toEqualTypeOf<Promise<undefined>>();
    expectTypeOf(replicate.files.delete).returns.toEqualTypeOf<Promise<undefined>>();
    expectTypeOf(replicate.models.delete).returns.toEqualTypeOf<Promise<undefined>>();
    expectTypeOf(replicate.models.versions.delete).returns.toEqualTypeOf<Promise<undefined>>();

    neverCalled(async () => {
      const readme = await replicate.models.readme.get({ model_owner: "o", model_name: "n" });
      // @ts-expect-error a string, not an object
      void readme.name;
      const deleted = await replicate.deployments.delete({ deployment_owner: "o", deployment_name: "n" });
      // @ts-expect-error undefined has no properties
      void deleted.id;
    });
  });

  test("list operations are async-iterable over their items", () => {
    type List = ReturnType<typeof replicate.predictions.list>;
    expectTypeOf<ItemOf<List>>().toEqualTypeOf<Prediction>();
    expectTypeOf<List>().toExtend<AsyncIterable<Prediction>>();
    expectTypeOf<List>().toExtend<PagePromise<{ results?: Prediction[] }, Prediction>>();
    // Awaiting it gives the first page.
    expectTypeOf<Awaited<List>>().toHaveProperty("results").toEqualTypeOf<Prediction[] | undefined>();
    expectTypeOf<Awaited<List>>().toHaveProperty("next").toEqualTypeOf<string | null | undefined>();

    expectTypeOf<ItemOf<ReturnType<typeof replicate.models.list>>>().toEqualTypeOf<Model>();
    expectTypeOf<ItemOf<ReturnType<typeof replicate.trainings.list>>>().toEqualTypeOf<
      OperationResults["trainings.get"]
    >();
    expectTypeOf<ItemOf<ReturnType<typeof replicate.files.list>>>().toEqualTypeOf<FileObject>();
    expectTypeOf<ItemOf<ReturnType<typeof replicate.deployments.list>>>().toEqualTypeOf<Deployment>();
    expectTypeOf<ItemOf<ReturnType<typeof replicate.models.search>>>()
      .toHaveProperty("name")
      .toEqualTypeOf<string | undefined>();

    neverCalled(async () => {
      for await (const prediction of replicate.predictions.list()) {
        expectTypeOf(prediction).toEqualTypeOf<Prediction>();
      }
      for await (const page of replicate.predictions.list().pages()) {
        expectTypeOf(page.results).toEqualTypeOf<Prediction[] | undefined>();
      }
    });
  });

  test("single-object operations are not iterable", () => {
    expectTypeOf<ReturnType<typeof replicate.predictions.get>>().not.toExtend<AsyncIterable<unknown>>();
    expectTypeOf<ReturnType<typeof replicate.hardware.list>>().not.toExtend<AsyncIterable<unknown>>();
  });
});

// The runtime half: the types above describe what really happens.
test("account.get() with no arguments resolves to the account (over nock)", async ({ expect }) => {
  nock("https://api.replicate.com", { reqheaders: { authorization: "Bearer r8_test" } })
    .get("/v1/account")
    .reply(200, { type: "user", username: "alice" });
  const account: Account = await replicate.account.get();
  expect(account).toEqual({ type: "user", username: "alice" });
});
