/** An error caused by the user's input (flags, files, data). The CLI prints its message as one line and
 * exits with code 2, without a stack trace. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
