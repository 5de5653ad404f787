#include "qr.h"

#include <qrencode.h>

namespace attune::cli {

std::string QrCode(const std::string& text) {
  QRcode* code = QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_L, QR_MODE_8, 1);
  if (code == nullptr) return "";
  const int n = code->width, quiet = 2;
  auto dark = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= n || y >= n) return false;
    return (code->data[y * n + x] & 1) != 0;
  };
  std::string out;
  for (int y = -quiet; y < n + quiet; y += 2) {
    for (int x = -quiet; x < n + quiet; ++x) {
      bool top = dark(x, y), bottom = dark(x, y + 1);
      // Light modules are drawn, dark ones left blank: reads on dark terminals.
      if (!top && !bottom)
        out += "\u2588";
      else if (!top)
        out += "\u2580";
      else if (!bottom)
        out += "\u2584";
      else
        out += " ";
    }
    out += '\n';
  }
  QRcode_free(code);
  return out;
}

}  // namespace attune::cli
