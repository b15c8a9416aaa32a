//! `uniffi-bindgen generate <library> --language python|kotlin|swift --out-dir <dir>`.
fn main() {
    uniffi::uniffi_bindgen_main();
}
