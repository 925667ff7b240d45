/** The pages of a PDF as Chromium writes it (its page objects are not compressed). */
export const pdfPages = (pdf: Buffer): number =>
  (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
