/**
 * The shortest password an account may be given (the server also refuses guessable ones:
 * src/auth/password-policy.ts). Its own module, free of TypeBox, so the web app's forms can import it
 * without pulling the schemas into the bundle.
 */
export const MIN_PASSWORD_LENGTH = 12;
