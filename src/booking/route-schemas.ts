import { ErrorResponse } from '../contract/common.js';

/** What every booking endpoint may answer besides its success, and how it is called. */
export const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  402: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  410: ErrorResponse,
  422: ErrorResponse,
  429: ErrorResponse,
  504: ErrorResponse,
};
export const security = [{ bearer: [] }];
