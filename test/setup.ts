// Every test runs offline: nock refuses any connection it was not told about, except
// loopback servers the tests start themselves. After each test, any interceptor that
// was set up but not used fails the test, so a request that went elsewhere is caught.
import nock from "nock";
import { afterAll, afterEach, beforeAll, expect } from "vitest";

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.abortPendingRequests();
  expect(pending, "interceptors that no request used").toEqual([]);
});

afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});
