// Reads a fetch Response body as loosely-typed JSON for assertions.

/**
 * A parsed JSON body, typed as JSON.parse types one (`any`): a test asserts the shape it expects instead of
 * declaring it first, and a wrong guess fails the assertion.
 */
export type JsonBody = ReturnType<typeof JSON.parse>;

export async function json(res: Response): Promise<JsonBody> {
  return res.json();
}
