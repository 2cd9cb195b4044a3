//! Reads every PNG and JPEG in a folder with rqrr and with rxing and reports which decoded a
//! goodstanding QR text (`GSC1:`), and how long each took.
use std::time::Instant;

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "images".into());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "png" || e == "jpg"))
        .collect();
    files.sort();
    let (mut rqrr_ok, mut rxing_ok) = (0, 0);
    for file in &files {
        let luma = image::open(file).expect("image").to_luma8();
        let (w, h) = luma.dimensions();
        let start = Instant::now();
        let mut prepared =
            rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
                luma.get_pixel(x as u32, y as u32)[0]
            });
        let by_rqrr = prepared
            .detect_grids()
            .first()
            .and_then(|g| g.decode().ok())
            .map(|(_, s)| s);
        let rqrr_time = start.elapsed();
        let start = Instant::now();
        let by_rxing = rxing::helpers::detect_in_luma(
            luma.as_raw().clone(),
            w,
            h,
            Some(rxing::BarcodeFormat::QR_CODE),
        )
        .ok()
        .map(|r| r.getText().to_string());
        let rxing_time = start.elapsed();
        let read = |s: &Option<String>| s.as_ref().is_some_and(|s| s.starts_with("GSC1:"));
        rqrr_ok += usize::from(read(&by_rqrr));
        rxing_ok += usize::from(read(&by_rxing));
        println!(
            "{:<40} {w}x{h}  rqrr {:<5} {rqrr_time:>9.1?}  rxing {:<5} {rxing_time:>9.1?}",
            file.file_name().unwrap_or_default().to_string_lossy(),
            read(&by_rqrr),
            read(&by_rxing)
        );
    }
    println!(
        "decoded: rqrr {rqrr_ok}/{n}, rxing {rxing_ok}/{n}",
        n = files.len()
    );
}
