// The CJK font documents and charts embed (Noto Sans Hans, from the @embedpdf/fonts-sc package),
// so Chinese names render the same on every machine.
import { fileURLToPath } from "node:url";

/** Path of the regular-weight Simplified Chinese font (the package's main file is in dist/). */
export const CJK_FONT = fileURLToPath(
  new URL("../fonts/NotoSansHans-Regular.otf", import.meta.resolve("@embedpdf/fonts-sc")),
);
