import fc from "fast-check";
import {
  amzDate,
  canonicalQuery,
  canonicalUri,
  EMPTY_PAYLOAD_SHA256,
  parseAuthorization,
  signingKey,
  signRequest,
  uriEncode,
} from "../../provider/core/sigv4";

// AWS's published example credentials and the test-suite clock (signature-v4-test-suite).
const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const date = new Date("2015-08-30T12:36:00Z");
const suite = { credentials, region: "us-east-1", service: "service", date };
const SCOPE = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

describe("signing key (AWS 'derive a signing key' examples)", () => {
  it("20120215 / us-east-1 / iam", () => {
    expect(signingKey(credentials.secretAccessKey, "20120215", "us-east-1", "iam").toString("hex")).toBe(
      "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d",
    );
  });
  it("20150830 / us-east-1 / iam (the IAM ListUsers example)", () => {
    expect(signingKey(credentials.secretAccessKey, "20150830", "us-east-1", "iam").toString("hex")).toBe(
      "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9",
    );
  });
});

describe("AWS SigV4 test suite", () => {
  it("get-vanilla", () => {
    const s = signRequest({ method: "GET", url: "https://example.amazonaws.com/" }, suite);
    expect(s.canonicalRequest).toBe(
      `GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_PAYLOAD_SHA256}`,
    );
    expect(s.stringToSign).toBe(
      "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
    );
    expect(s.authorization).toBe(
      `AWS4-HMAC-SHA256 Credential=${SCOPE}, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31`,
    );
    expect(s.headers["x-amz-date"]).toBe("20150830T123600Z");
    expect(s.headers.host).toBe("example.amazonaws.com");
  });

  it("get-vanilla-query-order-key-case", () => {
    const s = signRequest(
      { method: "GET", url: "https://example.amazonaws.com/?Param2=value2&Param1=value1" },
      suite,
    );
    expect(s.signature).toBe("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
  });

  it("post-vanilla", () => {
    expect(signRequest({ method: "POST", url: "https://example.amazonaws.com/" }, suite).signature).toBe(
      "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    );
  });

  it("post-vanilla-query", () => {
    const s = signRequest({ method: "POST", url: "https://example.amazonaws.com/?Param1=value1" }, suite);
    expect(s.stringToSign.split("\n")[3]).toBe(
      "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
    );
    expect(s.signature).toBe("28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11");
  });

  it("post-header-key-case", () => {
    const s = signRequest(
      { method: "post", url: "https://example.amazonaws.com/", headers: { "MY-HEADER1": "value1" } },
      suite,
    );
    expect(s.signedHeaders).toBe("host;my-header1;x-amz-date");
    expect(s.signature).toBe("c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c");
  });

  it("post-header-value-case", () => {
    const s = signRequest(
      { method: "POST", url: "https://example.amazonaws.com/", headers: { "My-Header1": "VALUE1" } },
      suite,
    );
    expect(s.signature).toBe("cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d");
  });

  it("post-x-www-form-urlencoded", () => {
    const s = signRequest(
      {
        method: "POST",
        url: "https://example.amazonaws.com/",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "Param1=value1",
      },
      suite,
    );
    expect(s.canonicalRequest).toBe(
      "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
    );
    expect(s.stringToSign.split("\n")[3]).toBe(
      "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
    );
    expect(s.authorization).toBe(
      `AWS4-HMAC-SHA256 Credential=${SCOPE}, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a`,
    );
  });

  it("IAM ListUsers documentation example", () => {
    const s = signRequest(
      {
        method: "GET",
        url: "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
        headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" },
      },
      { credentials, region: "us-east-1", service: "iam", date },
    );
    expect(s.stringToSign).toBe(
      "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59",
    );
    expect(s.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
    );
  });
});

describe("details", () => {
  it("session token is sent and signed", () => {
    const s = signRequest(
      { method: "POST", url: "https://api.ecr.us-east-1.amazonaws.com/" },
      { ...suite, credentials: { ...credentials, sessionToken: "FwoG" } },
    );
    expect(s.headers["x-amz-security-token"]).toBe("FwoG");
    expect(s.signedHeaders).toBe("host;x-amz-date;x-amz-security-token");
  });
  it("x-amz-content-sha256 when asked", () => {
    const s = signRequest(
      { method: "PUT", url: "https://s3.example.com/b/k", body: "x" },
      { ...suite, contentSha256Header: true },
    );
    expect(s.headers["x-amz-content-sha256"]).toBe(
      "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881",
    );
  });
  it("host keeps a non-default port", () => {
    expect(signRequest({ method: "GET", url: "http://127.0.0.1:4567/" }, suite).headers.host).toBe(
      "127.0.0.1:4567",
    );
  });
  it("encoding, canonical URI and query", () => {
    expect(uriEncode("a b/c~d*e!")).toBe("a%20b%2Fc~d%2Ae%21");
    expect(canonicalUri("/")).toBe("/");
    expect(canonicalUri("/a/./b/../c/")).toBe("/a/c/");
    expect(canonicalUri("/example%20space/")).toBe("/example%20space/");
    expect(canonicalQuery(new URLSearchParams("b=2 3&a=x/y&a=w"))).toBe("a=w&a=x%2Fy&b=2%203");
    expect(amzDate(date)).toBe("20150830T123600Z");
  });
  it("parseAuthorization round-trips what signRequest produces", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("us-east-1", "eu-west-3", "cn-north-1"),
        fc.constantFrom("ecr", "iam", "s3"),
        fc.date({ min: new Date(2000, 0, 1), max: new Date(2099, 0, 1), noInvalidDate: true }),
        (region, service, d) => {
          const s = signRequest(
            { method: "POST", url: "https://x.amazonaws.com/", body: "{}" },
            { credentials, region, service, date: d },
          );
          const p = parseAuthorization(s.authorization);
          expect(p).toEqual({
            accessKeyId: "AKIDEXAMPLE",
            dateStamp: amzDate(d).slice(0, 8),
            region,
            service,
            signedHeaders: s.signedHeaders.split(";"),
            signature: s.signature,
          });
        },
      ),
    );
    expect(parseAuthorization("Basic abc")).toBeUndefined();
  });
  it("any change to the body, a header or the secret changes the signature", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b);
        const sa = signRequest({ method: "POST", url: "https://x.amazonaws.com/", body: a }, suite).signature;
        const sb = signRequest({ method: "POST", url: "https://x.amazonaws.com/", body: b }, suite).signature;
        expect(sa).not.toBe(sb);
      }),
    );
  });
});
