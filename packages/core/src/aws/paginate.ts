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

/** Every item of a NextToken-paginated AWS list call (each page's call is retried by its client). */
export async function pagedList<O extends { NextToken?: string }, T>(
  call: (token: string | undefined) => Promise<O>,
  items: (page: O) => T[] | undefined,
): Promise<T[]> {
  return collectPages(async (token) => {
    const page = await call(token);
    return { items: items(page) ?? [], next: page.NextToken };
  });
}
