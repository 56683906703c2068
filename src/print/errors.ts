import { GatewayError } from '../errors.js';

/**
 * A printed copy could not be made: the PDF or barcode library failed, or
 * the form did not fit its one page. Never carries a datum of the form.
 */
export class PrintRenderError extends GatewayError {
  override readonly name = 'PrintRenderError';
  readonly code = 'SAC_PRINT_RENDER';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
