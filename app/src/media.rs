//! Product photos uploaded by owners. A file is recognised by its content (not its name or the
//! type the browser claims), decoded with size limits, re-encoded as JPEG at a display size and a
//! thumbnail size, and stored under the data directory by the hash of its content, so the same
//! photo uploaded twice is stored once and every stored name is safe to serve.

use crate::error::AppError;
use image::{ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};
use std::io::Cursor;
use std::path::{Path, PathBuf};

pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// The most pixels a photo may have (a 40 MP camera's), checked from the header before
/// anything is decoded: a small file can claim a huge picture.
pub const MAX_PIXELS: u64 = 40_000_000;
/// The most memory the decoder may take for one photo.
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
/// Square sizes kept for each photo: the product page and the lists.
pub const DISPLAY: u32 = 800;
pub const THUMB: u32 = 240;

pub fn media_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("media")
}

/// The key a product keeps for an uploaded photo: `up:<hash>`.
pub fn key_for(hash: &str) -> String {
    format!("up:{hash}")
}

/// Checks, decodes, re-encodes and stores a photo; returns its content hash. Nothing is written
/// unless the whole photo could be processed.
pub fn store(data_dir: &Path, bytes: &[u8]) -> Result<String, AppError> {
    if bytes.is_empty() || bytes.len() > MAX_UPLOAD_BYTES {
        return Err(domain::Error::BadUpload.into());
    }
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| domain::Error::BadUpload)?;
    match reader.format() {
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif) => {}
        _ => return Err(domain::Error::BadUpload.into()),
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    // The size from the header first; only a photo within the limits is decoded.
    let (w, h) = reader.into_dimensions().map_err(|_| domain::Error::BadUpload)?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS || w > 12_000 || h > 12_000 {
        return Err(domain::Error::PhotoTooLarge.into());
    }
    let mut reader =
        ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| domain::Error::BadUpload)?;
    reader.limits(limits);
    let mut img = reader.decode().map_err(|_| domain::Error::BadUpload)?;
    // A cheap shrink to twice the display size first, so the fine filter works on few pixels.
    let short = img.width().min(img.height());
    if short > 2 * DISPLAY {
        let scale = f64::from(2 * DISPLAY) / f64::from(short);
        let (nw, nh) = ((f64::from(img.width()) * scale) as u32, (f64::from(img.height()) * scale) as u32);
        img = img.thumbnail_exact(nw.max(2 * DISPLAY), nh.max(2 * DISPLAY));
    }
    let hash = hex::encode(Sha256::digest(bytes));
    let dir = media_dir(data_dir);
    std::fs::create_dir_all(&dir).map_err(|_| AppError::Internal)?;
    for size in [DISPLAY, THUMB] {
        let path = dir.join(format!("{hash}-{size}.jpg"));
        if path.exists() {
            continue;
        }
        let square = img.resize_to_fill(size, size, image::imageops::FilterType::Lanczos3).to_rgb8();
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82)
            .encode_image(&square)
            .map_err(|_| AppError::Internal)?;
        // Write to a temporary name first, so a half-written file is never served.
        let tmp = dir.join(format!("{hash}-{size}.jpg.tmp"));
        std::fs::write(&tmp, &out).map_err(|_| AppError::Internal)?;
        std::fs::rename(&tmp, &path).map_err(|_| AppError::Internal)?;
    }
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img).write_to(&mut Cursor::new(&mut out), ImageFormat::Png).unwrap();
        out
    }

    fn dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("qunli-media-{}-{}", std::process::id(), rand::random::<u32>()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn photos_are_re_encoded_at_two_square_sizes() {
        let d = dir();
        let hash = store(&d, &png(1200, 900)).unwrap();
        for (size, expect) in [(DISPLAY, 800), (THUMB, 240)] {
            let f = media_dir(&d).join(format!("{hash}-{size}.jpg"));
            let img = image::open(&f).unwrap();
            assert_eq!((img.width(), img.height()), (expect, expect));
            assert_eq!(&std::fs::read(&f).unwrap()[..3], &[0xFF, 0xD8, 0xFF], "JPEG");
        }
        assert_eq!(store(&d, &png(1200, 900)).unwrap(), hash, "the same photo is stored once");
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn a_small_file_that_claims_a_huge_picture_is_refused_from_its_header() {
        let d = dir();
        // 12000×11000 pixels of one grey in 128 KB: 132 MP, 396 MB once decoded as RGB.
        let flat = include_bytes!("../tests/fixtures/flat-12000x11000.png");
        let started = std::time::Instant::now();
        assert_eq!(store(&d, flat), Err(domain::Error::PhotoTooLarge.into()));
        assert!(started.elapsed() < std::time::Duration::from_millis(200), "{:?}", started.elapsed());
        // A big but allowed photo is shrunk to the two sizes (cheaply first).
        let hash = store(&d, &png(1800, 1700)).unwrap();
        let img = image::open(media_dir(&d).join(format!("{hash}-{DISPLAY}.jpg"))).unwrap();
        assert_eq!((img.width(), img.height()), (DISPLAY, DISPLAY));
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn disguised_and_broken_files_are_refused_and_nothing_is_stored() {
        let d = dir();
        let html = b"<html><script>alert(1)</script></html>".to_vec();
        let mut truncated = png(400, 400);
        truncated.truncate(truncated.len() / 2);
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#.to_vec();
        for bad in [html, truncated, svg, vec![], vec![0u8; MAX_UPLOAD_BYTES + 1]] {
            assert_eq!(store(&d, &bad), Err(domain::Error::BadUpload.into()));
        }
        let stored: Vec<_> = std::fs::read_dir(media_dir(&d)).map(|r| r.collect()).unwrap_or_default();
        assert!(stored.is_empty());
        std::fs::remove_dir_all(d).unwrap();
    }
}
