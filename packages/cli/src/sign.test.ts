import { describe, expect, it } from "vitest";
import { regionOfApiUrl, signRequest } from "./sign";

describe("signRequest", () => {
  it("matches the AWS SigV4 test suite's get-vanilla vector", async () => {
    // aws-sig-v4-test-suite/get-vanilla: the documented example credentials and date.
    const headers = await signRequest(
      { method: "GET", url: new URL("https://example.amazonaws.com/"), headers: {} },
      {
        credentials: {
          accessKeyId: "AKIDEXAMPLE",
          secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        },
        region: "us-east-1",
        service: "service",
        signingDate: new Date("2015-08-30T12:36:00Z"),
      },
    );

    expect(headers["x-amz-date"]).toBe("20150830T123600Z");
    expect(headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    );
  });

  it("adds the session token of temporary credentials, as granted's assume leaves them", async () => {
    const headers = await signRequest(
      {
        method: "POST",
        url: new URL("https://abc.execute-api.eu-west-1.amazonaws.com/accounts"),
        headers: {},
        body: "{}",
      },
      {
        credentials: { accessKeyId: "ASIA", secretAccessKey: "s", sessionToken: "token-1" },
        region: "eu-west-1",
      },
    );

    expect(headers["x-amz-security-token"]).toBe("token-1");
    expect(headers.authorization).toMatch(/\/eu-west-1\/execute-api\/aws4_request/);
  });
});

describe("regionOfApiUrl", () => {
  it("reads the region from an execute-api host", () => {
    expect(regionOfApiUrl(new URL("https://abc123.execute-api.ap-southeast-2.amazonaws.com"))).toBe(
      "ap-southeast-2",
    );
    expect(regionOfApiUrl(new URL("http://127.0.0.1:8787"))).toBeUndefined();
  });
});
