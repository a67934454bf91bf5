/** Reads every page of a NextToken-paginated AWS list call. */
export async function collectPages<T>(
  fetch: (token: string | undefined) => Promise<{ items: T[]; next?: string }>,
) {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    all.push(...page.items);
    token = page.next;
  } while (token);
  return all;
}
