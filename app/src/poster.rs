//! Share posters: a PNG a distributor can save and send, with the product's picture, its price,
//! their referral code and a QR code of their link. Rendered on the server with the `image` and
//! `qrcode` crates and kept on disk, so each poster is drawn once per product, price and link.
//!
//! Text is drawn with a small built-in pixel font (digits, capitals, `¥`, `.`), which is all the
//! price and the code need; product titles are not drawn, as no CJK font ships with the server.

use domain::money::Fen;
use image::{imageops, Rgb, RgbImage};
use qrcode::{Color, QrCode};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub const WIDTH: u32 = 720;
pub const HEIGHT: u32 = 1040;
const PRICE_RED: Rgb<u8> = Rgb([0xd0, 0x28, 0x2b]);
const INK: Rgb<u8> = Rgb([0x1f, 0x1f, 0x1f]);
const INK_2: Rgb<u8> = Rgb([0x66, 0x66, 0x66]);
const TEAM: Rgb<u8> = Rgb([0xff, 0x6a, 0x00]);
const WHITE: Rgb<u8> = Rgb([0xff, 0xff, 0xff]);

/// 5×7 glyphs, one byte per row (low five bits, leftmost pixel highest).
fn glyph(c: char) -> Option<[u8; 7]> {
    Some(match c {
        '0' => [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e],
        '1' => [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],
        '2' => [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f],
        '3' => [0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e],
        '4' => [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02],
        '5' => [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e],
        '6' => [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e],
        '7' => [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e],
        '9' => [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c],
        'A' => [0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
        'B' => [0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e],
        'C' => [0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e],
        'D' => [0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c],
        'E' => [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f],
        'F' => [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10],
        'G' => [0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f],
        'H' => [0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
        'I' => [0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e],
        'J' => [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c],
        'K' => [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f],
        'M' => [0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11],
        'N' => [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
        'O' => [0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e],
        'P' => [0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10],
        'Q' => [0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d],
        'R' => [0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11],
        'S' => [0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e],
        'T' => [0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e],
        'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04],
        'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a],
        'X' => [0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11],
        'Y' => [0x11, 0x11, 0x11, 0x0a, 0x04, 0x04, 0x04],
        'Z' => [0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f],
        '¥' => [0x11, 0x0a, 0x04, 0x1f, 0x04, 0x1f, 0x04],
        '.' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c],
        ' ' => [0; 7],
        _ => return None,
    })
}

/// Draws `text` with its top-left corner at (x, y), each font pixel `scale` pixels wide.
fn draw_text(img: &mut RgbImage, text: &str, x: u32, y: u32, scale: u32, color: Rgb<u8>) {
    let mut cx = x;
    for c in text.chars() {
        let Some(rows) = glyph(c) else { continue };
        for (row, bits) in rows.iter().enumerate() {
            for col in 0..5u32 {
                if bits & (0x10 >> col) != 0 {
                    fill(img, cx + col * scale, y + row as u32 * scale, scale, scale, color);
                }
            }
        }
        cx += 6 * scale;
    }
}

fn text_width(text: &str, scale: u32) -> u32 {
    (text.chars().filter(|c| glyph(*c).is_some()).count() as u32 * 6).saturating_sub(1) * scale
}

fn fill(img: &mut RgbImage, x: u32, y: u32, w: u32, h: u32, color: Rgb<u8>) {
    for py in y..(y + h).min(img.height()) {
        for px in x..(x + w).min(img.width()) {
            img.put_pixel(px, py, color);
        }
    }
}

/// Draws the QR code of `link` in a `size`-pixel square at (x, y), with a quiet zone.
fn draw_qr(img: &mut RgbImage, link: &str, x: u32, y: u32, size: u32) -> Result<(), qrcode::types::QrError> {
    let code = QrCode::new(link.as_bytes())?;
    let modules = code.width() as u32;
    let cell = size / (modules + 8);
    let offset = (size - cell * modules) / 2;
    fill(img, x, y, size, size, WHITE);
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == Color::Dark {
            let (mx, my) = (i as u32 % modules, i as u32 / modules);
            fill(img, x + offset + mx * cell, y + offset + my * cell, cell, cell, INK);
        }
    }
    Ok(())
}

/// The poster: the picture on top, the price and the code below it, the QR code to the right.
pub fn render(picture: &RgbImage, price: Fen, code: &str, link: &str) -> Result<Vec<u8>, String> {
    let mut img = RgbImage::from_pixel(WIDTH, HEIGHT, WHITE);
    let pic = imageops::resize(picture, WIDTH, WIDTH, imageops::FilterType::Triangle);
    imageops::replace(&mut img, &pic, 0, 0);
    fill(&mut img, 0, WIDTH, WIDTH, 8, TEAM);
    draw_text(&mut img, &price.display(), 40, WIDTH + 60, 10, PRICE_RED);
    draw_text(&mut img, code, 40, WIDTH + 170, 6, INK);
    let under = text_width(code, 6);
    fill(&mut img, 40, WIDTH + 220, under, 4, INK_2);
    draw_qr(&mut img, link, WIDTH - 40 - 260, WIDTH + 30, 260).map_err(|e| e.to_string())?;
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img).write_to(&mut out, image::ImageFormat::Png).map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

/// The picture for a product's image key: an uploaded photo from the media folder, or the PNG
/// of a built-in drawing from the site's `img` folder.
pub fn picture(site_root: &Path, media: &Path, key: &str) -> Option<RgbImage> {
    let path = match key.strip_prefix("up:") {
        Some(hash) if domain::catalogue::is_upload_key(key) => media.join(format!("{hash}-800.jpg")),
        Some(_) => return None,
        None if key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
            site_root.join("img").join(format!("p-{key}.png"))
        }
        None => return None,
    };
    image::open(path).ok().map(|i| i.to_rgb8())
}

/// Where a poster is kept: named by everything drawn on it, so a new price or picture makes a
/// new file.
pub fn cache_path(data_dir: &Path, product: i64, image_key: &str, price: Fen, link: &str) -> PathBuf {
    let digest = Sha256::digest(format!("{image_key}|{}|{link}", price.0).as_bytes());
    data_dir.join("posters").join(format!("{product}-{}.png", hex::encode(&digest[..12])))
}

/// A cached poster, or a newly drawn one (written to the cache).
pub fn get_or_render(
    cache: &Path,
    picture: impl FnOnce() -> Option<RgbImage>,
    price: Fen,
    code: &str,
    link: &str,
) -> Result<Vec<u8>, String> {
    if let Ok(bytes) = std::fs::read(cache) {
        return Ok(bytes);
    }
    let pic = picture().unwrap_or_else(|| RgbImage::from_pixel(300, 300, Rgb([0xe8, 0xf3, 0xf8])));
    let bytes = render(&pic, price, code, link)?;
    if let Some(dir) = cache.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let tmp = cache.with_extension("png.tmp");
    if std::fs::write(&tmp, &bytes).is_ok() {
        let _ = std::fs::rename(&tmp, cache);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posters_carry_the_price_the_code_and_a_readable_qr_code() {
        let pic = RgbImage::from_pixel(300, 300, Rgb([10, 200, 10]));
        let link = "https://qunli.example/p/251456597757267968?ref=KSYWU6W3";
        let png = render(&pic, Fen(3500), "KSYWU6W3", link).unwrap();
        let img = image::load_from_memory(&png).unwrap().to_rgb8();
        assert_eq!((img.width(), img.height()), (WIDTH, HEIGHT));
        // The picture fills the top, the price is drawn in red below it.
        assert_eq!(*img.get_pixel(360, 360), Rgb([10, 200, 10]));
        let red = (WIDTH + 60..WIDTH + 130).flat_map(|y| (40..400).map(move |x| (x, y)));
        assert!(red.filter(|(x, y)| *img.get_pixel(*x, *y) == PRICE_RED).count() > 500);
        // The QR code's modules are dark and light squares in its box.
        let qr = (WIDTH + 30..WIDTH + 290).flat_map(|y| (WIDTH - 300..WIDTH - 40).map(move |x| (x, y)));
        let dark = qr.filter(|(x, y)| *img.get_pixel(*x, *y) == INK).count();
        assert!(dark > 10_000 && dark < 50_000, "{dark}");
        // Every letter a code can have is drawable.
        for c in domain::referral::CODE_ALPHABET {
            assert!(glyph(*c as char).is_some());
        }
    }

    #[test]
    fn posters_are_drawn_once_and_then_read_from_the_cache() {
        let dir = std::env::temp_dir().join(format!("qunli-posters-{}", std::process::id()));
        let path = cache_path(&dir, 1, "salmon", Fen(3500), "https://x/p/1?ref=ABCDEFGH");
        let _ = std::fs::remove_file(&path);
        let mut drawn = 0;
        let first = get_or_render(
            &path,
            || {
                drawn += 1;
                None
            },
            Fen(3500),
            "ABCDEFGH",
            "https://x/p/1?ref=ABCDEFGH",
        )
        .unwrap();
        let second =
            get_or_render(&path, || panic!("drawn again"), Fen(3500), "ABCDEFGH", "https://x/p/1?ref=ABCDEFGH")
                .unwrap();
        assert_eq!((first, drawn), (second, 1));
        assert_ne!(path, cache_path(&dir, 1, "salmon", Fen(3400), "https://x/p/1?ref=ABCDEFGH"));
    }
}
