//! Sets up the linker for a Node addon (napi-rs).

fn main() {
    napi_build::setup();
}
