import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { profilesIni } from "../../core/src/profiles/profiles";
import { BEGIN, END, ProfilesFileError, replaceProfilesBlock, writeAtomically } from "./profiles-file";

const profile = (name: string, accountId = "111111111111") => ({
  name,
  accountId,
  accountName: name.split("/")[0] as string,
  permissionSet: name.split("/")[1] as string,
  startUrl: "https://d-1234567890.awsapps.com/start",
  ssoRegion: "us-east-1",
  requestId: `req-${accountId}`,
});

const USER_FILE = `# my profiles
[default]
region = eu-west-1

; the old one
[profile legacy]
sso_session = corp
s3 =
  max_concurrent_requests = 20
`;

describe("qm profiles --write: the Quartermaster block of an AWS config file", () => {
  it("appends the block the first time and keeps every byte of the user's profiles and comments", () => {
    const fragment = profilesIni([profile("app/AdministratorAccess"), profile("app/ReadOnlyAccess")]);

    const update = replaceProfilesBlock(USER_FILE, fragment);

    expect(update.text.startsWith(`${USER_FILE}\n${BEGIN}\n`)).toBe(true);
    expect(update.text.endsWith(`${END}\n`)).toBe(true);
    expect(update.text).toContain("[profile app/ReadOnlyAccess]\ngranted_sso_start_url    = https://");
    expect(update.added).toEqual(["app/AdministratorAccess", "app/ReadOnlyAccess"]);
    expect(update.removed).toEqual([]);
  });

  it("replaces only the block, reports what it added, updated and removed, and changes nothing when run again", () => {
    const first = replaceProfilesBlock(
      USER_FILE,
      profilesIni([profile("app/AdministratorAccess"), profile("gone/ReadOnlyAccess")]),
    ).text;
    const withTail = `${first}[profile after]\nregion = us-west-2\n`;
    const fragment = profilesIni([
      profile("app/AdministratorAccess", "999999999999"),
      profile("new/ReadOnlyAccess"),
    ]);

    const second = replaceProfilesBlock(withTail, fragment);
    const third = replaceProfilesBlock(second.text, fragment);

    expect(second.added).toEqual(["new/ReadOnlyAccess"]);
    expect(second.updated).toEqual(["app/AdministratorAccess"]);
    expect(second.removed).toEqual(["gone/ReadOnlyAccess"]);
    expect(second.text.startsWith(USER_FILE)).toBe(true);
    expect(second.text.endsWith(`${END}\n[profile after]\nregion = us-west-2\n`)).toBe(true);
    expect(third.changed).toBe(false);
    expect(third.text).toBe(second.text);
  });

  it("writes the block with CRLF line ends in a CRLF file, keeping the rest as it was", () => {
    const crlf = USER_FILE.replace(/\n/g, "\r\n");

    const update = replaceProfilesBlock(crlf, profilesIni([profile("app/AdministratorAccess")]));

    expect(update.text.startsWith(crlf)).toBe(true);
    expect(update.text.replace(/\r\n/g, "")).not.toContain("\n");
    expect(replaceProfilesBlock(update.text, profilesIni([profile("app/AdministratorAccess")])).changed).toBe(
      false,
    );
  });

  it("never overwrites a profile the user defined outside the block: it is reported and left out", () => {
    const file = `[profile app/AdministratorAccess]\nrole_arn = arn:aws:iam::1:role/mine\n`;

    const update = replaceProfilesBlock(
      file,
      profilesIni([profile("app/AdministratorAccess"), profile("app/ReadOnlyAccess")]),
    );

    expect(update.kept).toEqual(["app/AdministratorAccess"]);
    expect(update.added).toEqual(["app/ReadOnlyAccess"]);
    expect(update.text.startsWith(file)).toBe(true);
    expect(update.text.match(/\[profile app\/AdministratorAccess\]/g)).toHaveLength(1);
  });

  it("refuses a file whose markers do not make one block", () => {
    const fragment = profilesIni([profile("app/AdministratorAccess")]);

    expect(() => replaceProfilesBlock(`${BEGIN}\n[profile x]\n`, fragment)).toThrow(ProfilesFileError);
    expect(() => replaceProfilesBlock(`${END}\n${BEGIN}\n`, fragment)).toThrow(ProfilesFileError);
    expect(() => replaceProfilesBlock(`${BEGIN}\n${END}\n${BEGIN}\n${END}\n`, fragment)).toThrow(
      ProfilesFileError,
    );
  });

  it("writes atomically, keeping the file's mode and the file before as a backup", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qm-profiles-"));
    const file = join(dir, "config");
    writeFileSync(file, USER_FILE, { mode: 0o640 });

    const backup = await writeAtomically(file, "[profile x]\n");
    const fresh = await writeAtomically(join(dir, "new", "config"), "[profile y]\n");

    expect(readFileSync(file, "utf8")).toBe("[profile x]\n");
    expect(backup).toBe(`${file}.qm-backup`);
    expect(readFileSync(`${file}.qm-backup`, "utf8")).toBe(USER_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(fresh).toBeUndefined();
    expect(statSync(join(dir, "new", "config")).mode & 0o777).toBe(0o600);
  });
});
