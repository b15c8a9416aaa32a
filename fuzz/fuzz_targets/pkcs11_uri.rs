#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| yinzheng_fuzz::pkcs11_uri(data));
