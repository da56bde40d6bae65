// Decoding the PNGs headless Chromium writes (8-bit RGB or RGBA, not
// interlaced), so tests can look at the pixels of a screenshot.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace privqa::cli_testing {

struct PngImage {
  uint32_t width = 0, height = 0;
  std::vector<uint32_t> rgb;  // 0xRRGGBB, row by row; alpha dropped
};

// None for anything else than an 8-bit RGB(A), non-interlaced PNG whose data
// inflates to exactly its rows.
inline std::optional<PngImage> decode_png(const std::string& png) {
  if (png.size() < 8 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return std::nullopt;
  const auto be32 = [&](size_t at) {
    return (uint32_t(uint8_t(png[at])) << 24) | (uint32_t(uint8_t(png[at + 1])) << 16) |
           (uint32_t(uint8_t(png[at + 2])) << 8) | uint32_t(uint8_t(png[at + 3]));
  };
  PngImage image;
  int channels = 0;
  std::string compressed;
  for (size_t at = 8; at + 12 <= png.size();) {
    const uint32_t length = be32(at);
    const std::string type = png.substr(at + 4, 4);
    if (at + 12 + length > png.size()) return std::nullopt;
    if (type == "IHDR") {
      image.width = be32(at + 8);
      image.height = be32(at + 12);
      const int depth = uint8_t(png[at + 16]), color = uint8_t(png[at + 17]);
      const int interlace = uint8_t(png[at + 20]);
      if (depth != 8 || (color != 2 && color != 6) || interlace != 0) return std::nullopt;
      channels = color == 2 ? 3 : 4;
    } else if (type == "IDAT") {
      compressed += png.substr(at + 8, length);
    }
    at += 12 + length;
  }
  if (channels == 0 || image.width == 0 || image.height == 0) return std::nullopt;
  const size_t stride = size_t(image.width) * channels;
  std::vector<uint8_t> raw((stride + 1) * image.height);
  uLongf raw_size = raw.size();
  if (uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(compressed.data()),
                 compressed.size()) != Z_OK ||
      raw_size != raw.size())
    return std::nullopt;
  // Undo each row's filter (PNG spec, section 9): None, Sub, Up, Average, Paeth.
  std::vector<uint8_t> previous(stride, 0), row(stride);
  image.rgb.reserve(size_t(image.width) * image.height);
  for (uint32_t y = 0; y < image.height; ++y) {
    const uint8_t* line = raw.data() + y * (stride + 1);
    for (size_t i = 0; i < stride; ++i) {
      const int a = i >= size_t(channels) ? row[i - channels] : 0, b = previous[i];
      const int c = i >= size_t(channels) ? previous[i - channels] : 0;
      int predicted = 0;
      switch (line[0]) {
        case 0:
          break;
        case 1:
          predicted = a;
          break;
        case 2:
          predicted = b;
          break;
        case 3:
          predicted = (a + b) / 2;
          break;
        case 4: {
          const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          return std::nullopt;
      }
      row[i] = uint8_t(line[1 + i] + predicted);
    }
    for (uint32_t x = 0; x < image.width; ++x) {
      const uint8_t* p = row.data() + size_t(x) * channels;
      image.rgb.push_back((uint32_t(p[0]) << 16) | (uint32_t(p[1]) << 8) | p[2]);
    }
    previous.swap(row);
  }
  return image;
}

}  // namespace privqa::cli_testing
