/**
 * The machine-readable copy of the identifier: a Code 128 barcode of the
 * PUC/PUCIR as PNG, drawn by bwip-js (a maintained port of BWIPP). Code 128
 * because the identifiers are short digit strings every counter scanner reads;
 * the human-readable text is printed by the form itself, beside it.
 */
import bwipjs from 'bwip-js';
import { PrintRenderError } from './errors.js';

export async function identifierBarcode(id: string): Promise<Buffer> {
  try {
    return await bwipjs.toBuffer({ bcid: 'code128', text: id, scale: 3, height: 12, includetext: false, paddingwidth: 0, paddingheight: 0, backgroundcolor: 'FFFFFF' });
  } catch (err) {
    throw new PrintRenderError('codice a barre non generato', { cause: err });
  }
}
