#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "Support/PictureFiles.h"
#include "VulkanWrapper/Image/ImageFile.h"

namespace vw {
namespace {

using test::TempDir;

PixelImage pattern8(std::uint32_t width, std::uint32_t height, std::uint32_t channels) {
    PixelImage image{width, height, channels, PixelType::UInt8, {}};
    image.pixels.resize(std::size_t{width} * height * channels);
    for (std::size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = static_cast<std::byte>((i * 37 + i / 7) & 0xff);
    return image;
}

template <typename T> std::vector<T> values(const PixelImage &image) {
    std::vector<T> out(image.pixels.size() / sizeof(T));
    std::memcpy(out.data(), image.pixels.data(), image.pixels.size());
    return out;
}

template <typename T> PixelImage from_values(std::uint32_t width, std::uint32_t height, std::uint32_t channels,
                                             PixelType type, const std::vector<T> &data) {
    PixelImage image{width, height, channels, type, std::vector<std::byte>(data.size() * sizeof(T))};
    std::memcpy(image.pixels.data(), data.data(), image.pixels.size());
    return image;
}

template <typename Call> std::string image_file_error(Call &&call) {
    try {
        call();
    } catch (const ImageFileError &error) {
        return error.message();
    }
    return "no ImageFileError";
}

TEST(ImageFileTests, PngRoundTripKeepsEveryByteForEachChannelCount) {
    for (std::uint32_t channels = 1; channels <= 4; ++channels) {
        const PixelImage written = pattern8(13, 7, channels);
        const PixelImage read = load_image(encode_png(written));
        EXPECT_EQ(read.width, 13U);
        EXPECT_EQ(read.height, 7U);
        EXPECT_EQ(read.channels, channels);
        EXPECT_EQ(read.type, PixelType::UInt8);
        EXPECT_EQ(read.pixels, written.pixels) << channels << " channels";
    }
}

TEST(ImageFileTests, SixteenBitPngRoundTripIsExactThroughAFile) {
    TempDir dir;
    std::vector<std::uint16_t> data(5 * 3 * 4);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint16_t>(i * 1111 + 1);
    data[0] = 0;
    data[1] = 65535;
    save_image(dir / "deep.png", from_values(5, 3, 4, PixelType::UInt16, data));
    EXPECT_EQ(image_file_info(dir / "deep.png").type, PixelType::UInt16);
    const PixelImage read = load_image(dir / "deep.png");
    ASSERT_EQ(read.type, PixelType::UInt16);
    EXPECT_EQ(read.channels, 4U);
    EXPECT_EQ(values<std::uint16_t>(read), data);
}

TEST(ImageFileTests, HdrRoundTripKeepsValuesRgbeCanHold) {
    TempDir dir;
    // Each pixel's largest value sets the shared exponent; these are exact in RGBE.
    const std::vector<float> data{2.0F, 1.0F, 0.5F, 0.25F, 0.125F, 0.0625F, 96.0F, 64.0F, 32.0F, 0.0F, 0.0F, 0.0F};
    save_image(dir / "light.HDR", from_values(2, 2, 3, PixelType::Float32, data));
    const PixelImage read = load_image(dir / "light.HDR");
    ASSERT_EQ(read.type, PixelType::Float32);
    EXPECT_EQ(read.channels, 3U);
    EXPECT_EQ(values<float>(read), data);
}

TEST(ImageFileTests, DecodesBmpTgaExactlyAndJpegClosely) {
    const PixelImage rgb = pattern8(8, 6, 3);
    std::vector<std::uint8_t> bytes(rgb.pixels.size());
    std::memcpy(bytes.data(), rgb.pixels.data(), bytes.size());
    for (const auto kind : {test::PictureKind::Bmp, test::PictureKind::Tga, test::PictureKind::TgaPlain}) {
        const PixelImage read = load_image(test::write_picture(kind, 8, 6, 3, bytes));
        EXPECT_EQ(read.channels, 3U);
        EXPECT_EQ(read.pixels, rgb.pixels);
    }
    // A flat colour survives JPEG at quality 100 within a few steps.
    const std::vector<std::uint8_t> flat(16 * 16 * 3, 200);
    const PixelImage jpeg = load_image(test::write_picture(test::PictureKind::Jpeg, 16, 16, 3, flat));
    ASSERT_EQ(jpeg.pixels.size(), flat.size());
    for (const std::byte b : jpeg.pixels) EXPECT_NEAR(std::to_integer<int>(b), 200, 2);
}

TEST(ImageFileTests, PsdDecodesExactlyAtEightAndSixteenBitsRawAndRle) {
    // Rows of runs and rows of noise, so that PackBits writes both kinds of packet.
    PixelImage rgb = pattern8(37, 5, 3);
    for (std::size_t i = 0; i < 37 * 3 * 2; ++i) rgb.pixels[i] = std::byte{0x44};
    // stb_image gives every PSD four channels; a missing alpha plane is opaque.
    std::vector<std::byte> rgba;
    for (std::size_t p = 0; p < 37 * 5; ++p) {
        rgba.insert(rgba.end(), rgb.pixels.begin() + static_cast<std::ptrdiff_t>(p * 3),
                    rgb.pixels.begin() + static_cast<std::ptrdiff_t>(p * 3 + 3));
        rgba.push_back(std::byte{255});
    }
    for (const bool rle : {false, true}) {
        const std::vector<std::byte> psd = test::write_psd(37, 5, 3, 8, rle, rgb.pixels);
        const ImageFileInfo info = image_file_info(psd);
        EXPECT_EQ(info.width, 37U);
        EXPECT_EQ(info.height, 5U);
        EXPECT_EQ(info.channels, 4U);
        EXPECT_EQ(info.type, PixelType::UInt8);
        const PixelImage read = load_image(psd);
        ASSERT_EQ(read.channels, 4U);
        EXPECT_EQ(read.pixels, rgba) << (rle ? "RLE" : "raw");
    }
    // 16 bits, four planes: the colour planes exactly; the alpha plane is not read (stb's
    // "white matte" removal of it is undefined behaviour for dark, partly transparent pixels),
    // so alpha is opaque.
    std::vector<std::uint16_t> data(6 * 3 * 4);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint16_t>(i * 2311 + 7);
    const PixelImage deep = from_values(6, 3, 4, PixelType::UInt16, data);
    const std::vector<std::byte> psd16 = test::write_psd(6, 3, 4, 16, false, deep.pixels);
    EXPECT_EQ(image_file_info(psd16).type, PixelType::UInt16);
    const PixelImage read16 = load_image(psd16);
    EXPECT_EQ(read16.type, PixelType::UInt16);
    std::vector<std::uint16_t> opaque = data;
    for (std::size_t i = 3; i < opaque.size(); i += 4) opaque[i] = 65535;
    EXPECT_EQ(values<std::uint16_t>(read16), opaque);
    // The same for 8-bit RLE with an alpha plane: a dark pixel at alpha 128 is where stb's matte
    // removal overflowed.
    PixelImage dark = pattern8(5, 2, 4);
    dark.pixels[0] = std::byte{3};
    dark.pixels[3] = std::byte{128};
    std::vector<std::byte> dark_opaque = dark.pixels;
    for (std::size_t i = 3; i < dark_opaque.size(); i += 4) dark_opaque[i] = std::byte{255};
    EXPECT_EQ(load_image(test::write_psd(5, 2, 4, 8, true, dark.pixels)).pixels, dark_opaque);
    // stb_image would read 16-bit RLE planes as 8-bit ones and return wrong pixels: refused.
    const std::string message =
        image_file_error([&] { (void)load_image(test::write_psd(6, 3, 4, 16, true, deep.pixels), {}, "deep.psd"); });
    EXPECT_NE(message.find("deep.psd"), std::string::npos) << message;
    EXPECT_NE(message.find("16-bit RLE"), std::string::npos) << message;
}

TEST(ImageFileTests, ChannelsAreConvertedOnRequest) {
    const PixelImage rgb = pattern8(4, 4, 3);
    const PixelImage rgba = load_image(encode_png(rgb), ImageLoadOptions{4});
    ASSERT_EQ(rgba.channels, 4U);
    for (std::size_t p = 0; p < 16; ++p) {
        for (std::size_t c = 0; c < 3; ++c) EXPECT_EQ(rgba.pixels[p * 4 + c], rgb.pixels[p * 3 + c]);
        EXPECT_EQ(rgba.pixels[p * 4 + 3], std::byte{255});
    }
    EXPECT_THROW((void)load_image(encode_png(rgb), ImageLoadOptions{5}), LogicError);
}

TEST(ImageFileTests, AJpegHuffmanTableOfMoreThan256CodesIsRefused) {
    // Debian 12's stb_image writes past its table for such a file (vw-image-fuzzer found it);
    // the library refuses it before stb sees it.
    std::vector<std::byte> jpeg;
    const auto put = [&](unsigned value) { jpeg.push_back(static_cast<std::byte>(value)); };
    for (const unsigned b : {0xFFU, 0xD8U, 0xFFU, 0xC4U}) put(b);
    const unsigned length = 2 + 17 + 16 * 20;
    put(length >> 8);
    put(length & 0xFF);
    put(0x00); // DC table 0
    for (int i = 0; i < 16; ++i) put(20); // 320 codes
    for (int i = 0; i < 16 * 20; ++i) put(static_cast<unsigned>(i % 12));
    for (const unsigned b : {0xFFU, 0xD9U}) put(b);
    const std::string message = image_file_error([&] { (void)load_image(jpeg, {}, "hostile.jpg"); });
    EXPECT_NE(message.find("hostile.jpg"), std::string::npos) << message;
    EXPECT_NE(message.find("DHT"), std::string::npos) << message;
    // stb also takes the start-of-image marker after fill bytes (vw-image-fuzzer again).
    jpeg.insert(jpeg.begin(), 5, std::byte{0xFF});
    EXPECT_NE(image_file_error([&] { (void)load_image(jpeg, {}, "filled.jpg"); }).find("DHT"), std::string::npos);
}

TEST(ImageFileTests, EmptyPngDataChunksAreSkipped) {
    // An empty IDAT before the data is valid PNG; Debian 12's stb_image copied it from a null
    // pointer (undefined behaviour, vw-image-fuzzer found it). The pixels read back whole.
    const PixelImage written = pattern8(7, 5, 3);
    std::vector<std::byte> png = encode_png(written);
    const std::vector<std::byte> empty_idat = {std::byte{0},    std::byte{0},    std::byte{0},    std::byte{0},
                                               std::byte{'I'},  std::byte{'D'},  std::byte{'A'},  std::byte{'T'},
                                               std::byte{0xAE}, std::byte{0x42}, std::byte{0x60}, std::byte{0x82}};
    constexpr std::ptrdiff_t after_header = 8 + 12 + 13; // signature, IHDR chunk
    png.insert(png.begin() + after_header, empty_idat.begin(), empty_idat.end());
    png.insert(png.begin() + after_header, empty_idat.begin(), empty_idat.end());
    EXPECT_EQ(load_image(png).pixels, written.pixels);
    EXPECT_EQ(load_image(png, ImageLoadOptions{4}).channels, 4U);
    // Only empty data chunks: no picture, a clear error.
    std::vector<std::byte> hollow(png.begin(), png.begin() + after_header + 2 * 12);
    const std::vector<std::byte> tail(png.end() - 12, png.end()); // IEND
    hollow.insert(hollow.end(), tail.begin(), tail.end());
    const std::string message = image_file_error([&] { (void)load_image(hollow, {}, "hollow.png"); });
    EXPECT_NE(message.find("hollow.png"), std::string::npos) << message;
}

TEST(ImageFileTests, BadInputThrowsImageFileErrorNamingTheFile) {
    TempDir dir;
    EXPECT_NE(image_file_error([&] { (void)load_image(dir / "missing.png"); }).find("missing.png: no such file"),
              std::string::npos);
    EXPECT_NE(image_file_error([&] { (void)load_image(dir.path()); }).find("not a regular file"), std::string::npos);
    const std::vector<std::byte> png = encode_png(pattern8(32, 32, 4));
    const std::vector<std::byte> truncated(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(png.size() / 2));
    test::write_bytes(dir / "truncated.png", truncated);
    EXPECT_NE(image_file_error([&] { (void)load_image(dir / "truncated.png"); }).find("truncated.png"),
              std::string::npos);
    std::vector<std::byte> corrupt(200);
    for (std::size_t i = 0; i < corrupt.size(); ++i) corrupt[i] = static_cast<std::byte>(i * 91 + 7);
    EXPECT_NE(image_file_error([&] { (void)load_image(corrupt, {}, "noise.bin"); }).find("noise.bin"),
              std::string::npos);
    EXPECT_NE(image_file_error([&] { (void)load_image(std::span<const std::byte>{}, {}, "nothing"); })
                  .find("nothing: empty data"),
              std::string::npos);
    EXPECT_THROW((void)load_image(test::png_header_only(0, 16)), ImageFileError);
    // The limit refuses before decoding: the header alone is enough to know.
    const std::string big =
        image_file_error([&] { (void)load_image(test::png_header_only(4096, 4096), ImageLoadOptions{0, 1 << 20}, "big.png"); });
    EXPECT_NE(big.find("big.png: 4096 x 4096 decodes to 67108864 bytes"), std::string::npos) << big;
    // One channel asked for: the decoder still holds the file's four first.
    const std::string grey =
        image_file_error([&] { (void)load_image(test::png_header_only(4096, 4096), ImageLoadOptions{1, 32 << 20}, "grey.png"); });
    EXPECT_NE(grey.find("grey.png: 4096 x 4096 decodes to 67108864 bytes"), std::string::npos) << grey;
    try {
        (void)load_image(dir / "missing.png");
    } catch (const ImageFileError &error) {
        EXPECT_EQ(error.path(), (dir / "missing.png").string());
    }
}

TEST(ImageFileTests, SaveImageReportsUnwritablePathsAndBadPixels) {
    TempDir dir;
    EXPECT_THROW(save_image(dir / "no-such-dir" / "x.png", pattern8(2, 2, 4)), ImageFileError);
    PixelImage wrong = pattern8(2, 2, 4);
    wrong.pixels.pop_back();
    EXPECT_THROW((void)encode_png(wrong), LogicError);
    EXPECT_THROW((void)encode_png(PixelImage{}), LogicError);
    EXPECT_THROW((void)encode_hdr(PixelImage{2, 2, 5, PixelType::UInt8, std::vector<std::byte>(20)}), LogicError);
    // Sizes whose byte count wraps 64 bits (to 0, the size of the empty pixels).
    EXPECT_THROW((void)encode_png(PixelImage{1U << 30, 1U << 30, 4, PixelType::Float32, {}}), LogicError);
    EXPECT_THROW((void)encode_hdr(PixelImage{1U << 30, 1U << 30, 4, PixelType::Float32, {}}), LogicError);
}

TEST(ImageFileTests, FloatPixelsAreClampedToEightBitsInPng) {
    const PixelImage floats = from_values(4, 1, 1, PixelType::Float32, std::vector<float>{-1.0F, 0.5F, 2.0F, 0.25F});
    const PixelImage read = load_image(encode_png(floats));
    EXPECT_EQ(values<std::uint8_t>(read), (std::vector<std::uint8_t>{0, 128, 255, 64}));
}

TEST(ImageFileTests, TexelsOfBgraAndHalfFormatsBecomePixels) {
    const std::vector<std::uint8_t> bgra{1, 2, 3, 4, 5, 6, 7, 8};
    const PixelImage rgba = pixels_from_texels(std::as_bytes(std::span(bgra)), vk::Format::eB8G8R8A8Srgb, {2, 1});
    EXPECT_EQ(values<std::uint8_t>(rgba), (std::vector<std::uint8_t>{3, 2, 1, 4, 7, 6, 5, 8}));
    // 1.0, -2.0, 0.5, 65504 (the largest half), and a subnormal 2^-24.
    const std::vector<std::uint16_t> halves{0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001};
    const PixelImage floats = pixels_from_texels(std::as_bytes(std::span(halves)), vk::Format::eR16Sfloat, {5, 1});
    EXPECT_EQ(values<float>(floats), (std::vector<float>{1.0F, -2.0F, 0.5F, 65504.0F, std::ldexp(1.0F, -24)}));
    // Back to halves, rounding to nearest.
    const std::vector<std::byte> again = texels_from_pixels(floats, vk::Format::eR16Sfloat);
    std::vector<std::uint16_t> round_trip(5);
    std::memcpy(round_trip.data(), again.data(), 10);
    EXPECT_EQ(round_trip, halves);
    EXPECT_THROW((void)pixels_from_texels(std::as_bytes(std::span(bgra)), vk::Format::eD32Sfloat, {2, 1}),
                 NotSupportedError);
    EXPECT_THROW((void)pixels_from_texels(std::as_bytes(std::span(bgra)), vk::Format::eR8G8B8A8Unorm, {3, 1}),
                 LogicError);
    // 2^61 texels of 8 bytes: the byte count wraps to 0, the size of an empty span.
    EXPECT_THROW((void)pixels_from_texels({}, vk::Format::eR16G16B16A16Sfloat, {1U << 31, 1U << 30}), LogicError);
}

TEST(ImageFileTests, RgbPixelsArePaddedToOpaqueRgbaTexels) {
    const PixelImage rgb = pattern8(2, 1, 3);
    const std::vector<std::byte> texels = texels_from_pixels(rgb, vk::Format::eR8G8B8A8Srgb);
    ASSERT_EQ(texels.size(), 8U);
    EXPECT_EQ(texels[0], rgb.pixels[0]);
    EXPECT_EQ(texels[2], rgb.pixels[2]);
    EXPECT_EQ(texels[3], std::byte{255});
    EXPECT_EQ(texels[4], rgb.pixels[3]);
    EXPECT_THROW((void)texels_from_pixels(rgb, vk::Format::eR16G16B16A16Unorm), LogicError);
}

TEST(ImageFileTests, TextureFormatFollowsTypeChannelsAndColourSpace) {
    EXPECT_EQ(texture_format(3, PixelType::UInt8, ColorSpace::Srgb), vk::Format::eR8G8B8A8Srgb);
    EXPECT_EQ(texture_format(1, PixelType::UInt8, ColorSpace::Linear), vk::Format::eR8Unorm);
    EXPECT_EQ(texture_format(2, PixelType::UInt8, ColorSpace::Srgb), vk::Format::eR8G8Srgb);
    EXPECT_EQ(texture_format(4, PixelType::UInt16, ColorSpace::Srgb), vk::Format::eR16G16B16A16Unorm);
    EXPECT_EQ(texture_format(3, PixelType::Float32, ColorSpace::Linear), vk::Format::eR16G16B16A16Sfloat);
    EXPECT_EQ(texture_format(3, PixelType::Float32, ColorSpace::Linear, true), vk::Format::eR32G32B32A32Sfloat);
    EXPECT_THROW((void)texture_format(0, PixelType::UInt8, ColorSpace::Srgb), LogicError);
}

} // namespace
} // namespace vw
