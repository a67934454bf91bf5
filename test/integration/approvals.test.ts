import {
  CreateGroupMembershipCommand,
  CreateUserCommand,
  IdentitystoreClient,
} from "@aws-sdk/client-identitystore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_REGION } from "../support/aws-env";
import { accountsWithEmail, identityCenterOf } from "../support/org";
import { call, unique, useApi } from "../support/plane";
import { buttonClick, type SlackCall, slackHeaders, slashCommand, startSlack } from "../support/slack";

const SECRET = "test-signing-secret-0123456789abcdef";
const TOKEN = "xoxb-test-bot-token";
const USERS = {
  U_ALICE: "alice@example.com",
  U_BOB: "bob@example.com",
  U_MALLORY: "mallory@example.com",
};
const slack = await startSlack({ token: TOKEN, users: USERS });
afterAll(() => slack.close());

const rules = {
  approvals: {
    rules: [{ ous: ["Workloads/Production"], approvers: ["alice@example.com", "group:Admin"] }],
  },
};
const api = useApi({
  config: rules,
  slackWebhookUrl: slack.webhookUrl,
  slack: { signingSecret: SECRET, botToken: TOKEN, apiUrl: slack.apiUrl },
});

function vendBody(ou = "Workloads/Production") {
  const name = unique("appr");
  return { name, email: `aws+${name}@example.com`, ou };
}

async function requestAs(requester: string, body = vendBody(), url = api.url) {
  const res = await call(url, "POST", "/accounts", body, { "x-qm-local-user": requester });
  return { res, body };
}

/** A signed Slack request; then what the route handed on (the Slack worker's work) is let finish. */
async function slackPost(path: string, form: string, headers = slackHeaders(SECRET, form)) {
  const res = await fetch(`${api.url}${path}`, { method: "POST", headers, body: form });
  const text = await res.text();
  await api.plane.events.drain();
  return { status: res.status, text, json: text.startsWith("{") ? JSON.parse(text) : undefined };
}

/** What the Slack worker posted to a response_url (a /vend's outcome). */
const postedTo = (responseUrl: string) => slack.calls.filter((c) => responseUrl.endsWith(c.path));

async function click(
  userId: string,
  actionId: "qm_approve" | "qm_deny",
  requestId: string,
  actionTs?: string,
) {
  const responseUrl = slack.responseUrl(unique("resp"));
  const form = buttonClick({ userId, actionId, requestId, responseUrl, actionTs });
  const res = await slackPost("/slack/interactions", form);
  return { res, form, responseUrl, answers: () => slack.calls.filter((c) => responseUrl.endsWith(c.path)) };
}

const approvalMessageFor = (requestId: string): SlackCall | undefined =>
  slack
    .to("/services/T0/B0/webhook")
    .find((c) => JSON.stringify(c.json?.blocks ?? []).includes(`"value":"${requestId}"`));

describe("a request covered by an approval rule", () => {
  it("waits in PENDING_APPROVAL, creates nothing in AWS, and asks Slack with Approve and Deny buttons", async () => {
    const { res, body } = await requestAs("bob@example.com");
    await api.plane.events.drain();

    expect(res.status).toBe(202);
    expect(res.body.status).toBe("PENDING_APPROVAL");
    expect(res.body.executionArn).toBeUndefined();
    expect(await accountsWithEmail(body.email)).toEqual([]);
    const message = approvalMessageFor(res.body.requestId);
    const actions = message?.json.blocks.find((b: { type: string }) => b.type === "actions");
    expect(actions.elements.map((e: { action_id: string; value: string }) => [e.action_id, e.value])).toEqual(
      [
        ["qm_approve", res.body.requestId],
        ["qm_deny", res.body.requestId],
      ],
    );
    expect(JSON.stringify(message?.json)).toContain("bob@example.com");
    const view = await call(api.url, "GET", res.body.links.self);
    expect(view.body).toMatchObject({
      status: "PENDING_APPROVAL",
      requester: "bob@example.com",
      approval: { refused: [], expiresAt: expect.any(String) },
    });
  });

  it("starts at once when no rule covers its OU, as before", async () => {
    const { res } = await requestAs("bob@example.com", vendBody("Sandbox"));

    expect(res.body.status).toBe("RUNNING");
    expect(res.body.executionArn).toBeDefined();
  });
});

describe("POST /slack/interactions", () => {
  it("approves for an approver: the workflow runs, the message is replaced with who decided, a repeat changes nothing", async () => {
    const { res: submitted, body } = await requestAs("bob@example.com");
    const requestId = submitted.body.requestId;

    const approved = await click("U_ALICE", "qm_approve", requestId, "1700000001.000001");
    await api.plane.runner.idle();

    expect(approved.res.status).toBe(200);
    const view = await call(api.url, "GET", `/accounts/requests/${requestId}`);
    expect(view.body.status).toBe("SUCCEEDED");
    expect(view.body.approval).toMatchObject({ decision: "APPROVED", by: "alice@example.com" });
    expect(await accountsWithEmail(body.email)).toHaveLength(1);
    const [replaced] = approved.answers();
    expect(replaced?.json).toMatchObject({ replace_original: true });
    expect(replaced?.json.text).toMatch(/approved by alice@example\.com/);

    // Slack delivering the same click again: same body, same signature window.
    const repeat = await slackPost("/slack/interactions", approved.form);
    await api.plane.runner.idle();
    expect(repeat.status).toBe(200);
    expect(approved.answers()).toHaveLength(1);
    const after = await call(api.url, "GET", `/accounts/requests/${requestId}`);
    expect(after.body.attempts).toHaveLength(1);
    expect(after.body.updatedAt).toBe(view.body.updatedAt);
  });

  it("tells a non-approver so through response_url, keeps the refusal, and leaves the request waiting", async () => {
    const { res: submitted } = await requestAs("bob@example.com");

    const attempt = await click("U_MALLORY", "qm_approve", submitted.body.requestId);

    expect(attempt.res.status).toBe(200);
    const [note] = attempt.answers();
    expect(note?.json).toMatchObject({ response_type: "ephemeral", replace_original: false });
    expect(note?.json.text).toMatch(/mallory@example\.com is not an approver/);
    const view = await call(api.url, "GET", submitted.body.links.self);
    expect(view.body.status).toBe("PENDING_APPROVAL");
    expect(view.body.approval.refused).toEqual([
      expect.objectContaining({ by: "mallory@example.com", why: expect.stringMatching(/not an approver/) }),
    ]);
  });

  it("refuses the requester's own click, and explains a click after the decision", async () => {
    const { res: submitted } = await requestAs("alice@example.com");
    const requestId = submitted.body.requestId;

    const own = await click("U_ALICE", "qm_approve", requestId);
    expect(own.answers()[0]?.json.text).toMatch(/nobody decides their own request/);

    await call(
      api.url,
      "POST",
      `/accounts/requests/${requestId}/reject`,
      { reason: "duplicate" },
      {
        "x-qm-local-user": "carol.never@example.com",
      },
    );
    const denied = await click("U_BOB", "qm_deny", requestId);
    expect((await call(api.url, "GET", submitted.body.links.self)).body.status).toBe("PENDING_APPROVAL");
    expect(denied.answers()[0]?.json.text).toMatch(/not an approver/);
  });

  it("denies: the request ends REJECTED and the message says who denied it", async () => {
    const { res: submitted, body } = await requestAs("bob@example.com");

    const denied = await click("U_ALICE", "qm_deny", submitted.body.requestId);
    await api.plane.runner.idle();

    const view = await call(api.url, "GET", submitted.body.links.self);
    expect(view.body.status).toBe("REJECTED");
    expect(view.body.approval).toMatchObject({ decision: "REJECTED", by: "alice@example.com", via: "slack" });
    expect(denied.answers()[0]?.json).toMatchObject({ replace_original: true });
    expect(denied.answers()[0]?.json.text).toMatch(/denied by alice@example\.com/);
    expect(await accountsWithEmail(body.email)).toEqual([]);

    const late = await click("U_ALICE", "qm_approve", submitted.body.requestId);
    expect(late.answers()[0]?.json.text).toMatch(/REJECTED/);
    expect((await call(api.url, "GET", submitted.body.links.self)).body.status).toBe("REJECTED");
  });

  it.each([
    ["a wrong secret", (form: string) => slackHeaders("not-the-secret", form)],
    ["a stale timestamp", (form: string) => slackHeaders(SECRET, form, Math.floor(Date.now() / 1000) - 301)],
    [
      "a timestamp from the future",
      (form: string) => slackHeaders(SECRET, form, Math.floor(Date.now() / 1000) + 301),
    ],
    ["no signature", () => ({ "content-type": "application/x-www-form-urlencoded" })],
  ])("is 401 with %s and changes nothing", async (_, headersFor) => {
    const { res: submitted } = await requestAs("bob@example.com");
    const responseUrl = slack.responseUrl(unique("resp"));
    const form = buttonClick({
      userId: "U_ALICE",
      actionId: "qm_approve",
      requestId: submitted.body.requestId,
      responseUrl,
    });

    const res = await slackPost(
      "/slack/interactions",
      form,
      headersFor(form) as ReturnType<typeof slackHeaders>,
    );

    expect(res.status).toBe(401);
    expect(slack.calls.filter((c) => responseUrl.endsWith(c.path))).toEqual([]);
    expect((await call(api.url, "GET", submitted.body.links.self)).body.status).toBe("PENDING_APPROVAL");
  });
});

describe("POST /accounts/requests/{id}/approve and /reject", () => {
  let carol: string;
  beforeAll(async () => {
    // An Identity Center user in the Admin group: an approver through `group:Admin`.
    const ic = await identityCenterOf();
    const ids = new IdentitystoreClient({ region: TEST_REGION });
    carol = `${unique("carol")}@example.com`;
    const user = await ids.send(
      new CreateUserCommand({
        IdentityStoreId: ic.identityStoreId,
        UserName: carol,
        DisplayName: "Carol",
        Name: { GivenName: "Carol", FamilyName: "Approver" },
        Emails: [{ Value: carol, Primary: true }],
      }),
    );
    await ids.send(
      new CreateGroupMembershipCommand({
        IdentityStoreId: ic.identityStoreId,
        GroupId: (await ic.groupId("Admin")) as string,
        MemberId: { UserId: user.UserId as string },
      }),
    );
  });

  it("approves for the seeded Admin group's member the README names (local mode's organisation)", async () => {
    const { res: submitted } = await requestAs("bob@example.com");

    const res = await call(
      api.url,
      "POST",
      `/accounts/requests/${submitted.body.requestId}/approve`,
      undefined,
      { "x-qm-local-user": "ada@example.com" },
    );
    await api.plane.runner.idle();

    expect(res.status).toBe(202);
    expect(res.body.approval).toMatchObject({ decision: "APPROVED", by: "ada@example.com" });
  });

  it("approves for a member of an approver group (202), and the account is vended", async () => {
    const { res: submitted, body } = await requestAs("bob@example.com");

    const res = await call(
      api.url,
      "POST",
      `/accounts/requests/${submitted.body.requestId}/approve`,
      undefined,
      {
        "x-qm-local-user": carol,
      },
    );
    await api.plane.runner.idle();

    expect(res.status).toBe(202);
    expect(res.body.approval).toMatchObject({ decision: "APPROVED", by: carol, via: "api" });
    expect((await call(api.url, "GET", submitted.body.links.self)).body.status).toBe("SUCCEEDED");
    expect(await accountsWithEmail(body.email)).toHaveLength(1);
  });

  it("is 403 for a non-approver and for the requester, 409 once decided, 404 for an unknown id", async () => {
    const { res: submitted } = await requestAs("bob@example.com");
    const path = `/accounts/requests/${submitted.body.requestId}`;

    expect(
      (await call(api.url, "POST", `${path}/approve`, {}, { "x-qm-local-user": "bob@example.com" })).status,
    ).toBe(403);
    expect(
      (await call(api.url, "POST", `${path}/approve`, {}, { "x-qm-local-user": "eve@example.com" })).status,
    ).toBe(403);
    expect((await call(api.url, "POST", `${path}/approve`, {})).status).toBe(403);
    const rejected = await call(
      api.url,
      "POST",
      `${path}/reject`,
      { reason: "not this quarter" },
      {
        "x-qm-local-user": "alice@example.com",
      },
    );
    expect(rejected.status).toBe(202);
    expect(rejected.body).toMatchObject({ status: "REJECTED", approval: { reason: "not this quarter" } });
    expect(
      (await call(api.url, "POST", `${path}/approve`, {}, { "x-qm-local-user": "alice@example.com" })).status,
    ).toBe(409);
    expect(
      (
        await call(
          api.url,
          "POST",
          "/accounts/requests/req-nope/approve",
          {},
          { "x-qm-local-user": "alice@example.com" },
        )
      ).status,
    ).toBe(404);
    const view = await call(api.url, "GET", path);
    expect(view.body.approval.refused.map((r: { by: string }) => r.by)).toEqual([
      "bob@example.com",
      "eve@example.com",
      "unknown",
    ]);
  });

  it("needs a reason to reject (422), and refuses unknown fields", async () => {
    const { res: submitted } = await requestAs("bob@example.com");
    const path = `/accounts/requests/${submitted.body.requestId}`;
    const as = { "x-qm-local-user": "alice@example.com" };

    expect((await call(api.url, "POST", `${path}/reject`, {}, as)).status).toBe(422);
    expect((await call(api.url, "POST", `${path}/approve`, { reason: "ok", force: true }, as)).status).toBe(
      422,
    );
    expect((await call(api.url, "GET", path)).body.status).toBe("PENDING_APPROVAL");
  });

  it("lists the requests waiting for approval", async () => {
    const { res: submitted } = await requestAs("bob@example.com");

    const page = await call(api.url, "GET", "/accounts/requests?status=PENDING_APPROVAL&limit=100");

    expect(page.status).toBe(200);
    expect(page.body.items.map((r: { requestId: string }) => r.requestId)).toContain(
      submitted.body.requestId,
    );
    expect(new Set(page.body.items.map((r: { status: string }) => r.status))).toEqual(
      new Set(["PENDING_APPROVAL"]),
    );
  });

  it("never retries a request that waits, or was rejected", async () => {
    const { res: submitted } = await requestAs("bob@example.com");

    expect((await call(api.url, "POST", `${submitted.body.links.self}/retry`)).status).toBe(409);
  });
});

describe("POST /slack/commands (/vend)", () => {
  it("acknowledges at once, then answers at response_url with the request id for the Slack user's email as requester", async () => {
    const name = unique("slash");
    const responseUrl = slack.responseUrl(unique("cmd"));
    const form = slashCommand({
      userId: "U_BOB",
      text: `--name ${name} --email <mailto:aws+${name}@example.com|aws+${name}@example.com> --ou Sandbox --access Admin=ReadOnlyAccess`,
      responseUrl,
    });

    const res = await slackPost("/slack/commands", form);
    await api.plane.runner.idle();

    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringMatching(/Taking your \/vend/),
    });
    const [answer] = postedTo(responseUrl);
    expect(answer?.json.response_type).toBe("ephemeral");
    const requestId = /request `([^`]+)`/.exec(answer?.json.text)?.[1] as string;
    expect(requestId).toBeDefined();
    const view = await call(api.url, "GET", `/accounts/requests/${requestId}`);
    expect(view.body).toMatchObject({ status: "SUCCEEDED", requester: "bob@example.com" });
  });

  it("answers a covered OU with PENDING_APPROVAL", async () => {
    const name = unique("slash");
    const responseUrl = slack.responseUrl(unique("cmd"));
    const form = slashCommand({
      userId: "U_BOB",
      text: `--name ${name} --email aws+${name}@example.com --ou Workloads/Production`,
      responseUrl,
    });

    await slackPost("/slack/commands", form);

    expect(postedTo(responseUrl)[0]?.json.text).toMatch(/PENDING_APPROVAL/);
  });

  it("lists every validation error at response_url, and requests nothing", async () => {
    const responseUrl = slack.responseUrl(unique("cmd"));
    const form = slashCommand({
      userId: "U_BOB",
      text: "--name bad;name --email nope --ou Nowhere --budget lots",
      responseUrl,
    });

    const res = await slackPost("/slack/commands", form);

    expect(res.status).toBe(200);
    expect(postedTo(responseUrl)[0]?.json.text).toMatch(/--budget/);
    const againUrl = slack.responseUrl(unique("cmd"));
    const again = slashCommand({
      userId: "U_BOB",
      text: "--name bad;name --email nope --ou Nowhere",
      responseUrl: againUrl,
    });
    await slackPost("/slack/commands", again);
    const validation = postedTo(againUrl)[0]?.json.text;
    expect(validation).toMatch(/name/);
    expect(validation).toMatch(/email/);
  });

  it("answers help at once with the usage, handing nothing on", async () => {
    const responseUrl = slack.responseUrl(unique("cmd"));
    const form = slashCommand({ userId: "U_BOB", text: "help", responseUrl });

    const res = await slackPost("/slack/commands", form);

    expect(res.json.text).toMatch(/^Usage: \/vend/);
    expect(postedTo(responseUrl)).toEqual([]);
  });

  it("is 401 unsigned", async () => {
    const form = slashCommand({ userId: "U_BOB", text: "--name x --email x@example.com", responseUrl: "x" });

    expect((await slackPost("/slack/commands", form, slackHeaders("wrong", form))).status).toBe(401);
  });
});

const slow = await startSlack({ token: TOKEN, users: USERS, usersInfoDelayMs: 5_000 });
afterAll(() => slow.close());

describe("Slack answering slower than its 3 seconds", () => {
  const slowApi = useApi({
    config: rules,
    slackWebhookUrl: slow.webhookUrl,
    slack: { signingSecret: SECRET, botToken: TOKEN, apiUrl: slow.apiUrl },
  });
  const post = async (path: string, form: string) => {
    const started = Date.now();
    const res = await fetch(`${slowApi.url}${path}`, {
      method: "POST",
      headers: slackHeaders(SECRET, form),
      body: form,
    });
    await res.text();
    return { status: res.status, ms: Date.now() - started };
  };

  it("acknowledges /vend and a button within 3 seconds while users.info takes 5, and the outcomes still arrive", async () => {
    const name = unique("slow");
    const commandUrl = slow.responseUrl(unique("cmd"));
    const submitted = await requestAs("bob@example.com", vendBody(), slowApi.url);
    const clickUrl = slow.responseUrl(unique("resp"));

    const command = await post(
      "/slack/commands",
      slashCommand({
        userId: "U_BOB",
        text: `--name ${name} --email aws+${name}@example.com --ou Sandbox`,
        responseUrl: commandUrl,
      }),
    );
    const decided = await post(
      "/slack/interactions",
      buttonClick({
        userId: "U_ALICE",
        actionId: "qm_approve",
        requestId: submitted.res.body.requestId,
        responseUrl: clickUrl,
      }),
    );

    expect(command).toMatchObject({ status: 200 });
    expect(command.ms).toBeLessThan(3_000);
    expect(decided).toMatchObject({ status: 200 });
    expect(decided.ms).toBeLessThan(3_000);
    const [answer, replaced] = await Promise.all([
      slow.first(new URL(commandUrl).pathname),
      slow.first(new URL(clickUrl).pathname),
    ]);
    expect(answer.json.text).toMatch(/request `req-/);
    expect(replaced.json.text).toMatch(/approved by alice@example\.com/);
    await slowApi.plane.events.drain();
    await slowApi.plane.runner.idle();
  });
});

describe("expiry", () => {
  const short = useApi({
    config: { approvals: { ...rules.approvals, expireAfterHours: 0.0003 } },
    slackWebhookUrl: slack.webhookUrl,
  });

  it("ends an undecided request EXPIRED, tells Slack, and refuses a decision after", async () => {
    const name = unique("exp");
    const submitted = await call(short.url, "POST", "/accounts", {
      name,
      email: `aws+${name}@example.com`,
      ou: "Workloads/Production",
    });
    await new Promise((r) => setTimeout(r, 1200));

    await short.plane.housekeeping();
    await short.plane.events.drain();

    const view = await call(short.url, "GET", submitted.body.links.self);
    expect(view.body.status).toBe("EXPIRED");
    expect(view.body.approval.decision).toBe("EXPIRED");
    const posted = slack.to("/services/T0/B0/webhook").map((c) => c.json.text as string);
    expect(posted.some((t) => t.includes(submitted.body.requestId) && /expired/.test(t))).toBe(true);
    const late = await call(
      short.url,
      "POST",
      `${submitted.body.links.self}/approve`,
      {},
      { "x-qm-local-user": "alice@example.com" },
    );
    expect(late.status).toBe(409);
  });
});
