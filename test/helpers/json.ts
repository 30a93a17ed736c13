// Reads a fetch Response body as loosely-typed JSON for assertions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function json(res: Response): Promise<any> {
  return res.json();
}
