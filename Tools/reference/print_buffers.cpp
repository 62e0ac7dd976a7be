// Reference printer: prints every buffer of a TorchScript module with
// libtorch's own `std::ostream << at::Tensor` (aten/src/ATen/core/Formatting.cpp).
//
//   print_buffers MODULE.pt
//
// For each module.named_buffers() entry, in order:
//   == <name>
//   <exactly what `std::cout << tensor << '\n'` prints>
// If printing throws, the tensor's text is replaced by one line
//   ERROR: <message>
// (the tensor is first printed into a fresh std::ostringstream, which formats
// exactly like a fresh std::cout, so a throw never leaves partial output).
#include <torch/script.h>

#include <iostream>
#include <sstream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: print_buffers MODULE.pt\n";
    return 2;
  }
  torch::jit::Module module = torch::jit::load(argv[1]);
  for (const auto& buffer : module.named_buffers()) {
    std::cout << "== " << buffer.name << '\n';
    std::ostringstream text;
    try {
      text << buffer.value << '\n';
      std::cout << text.str();
    } catch (const c10::Error& e) {
      std::cout << "ERROR: " << e.what_without_backtrace() << '\n';
    } catch (const std::exception& e) {
      std::cout << "ERROR: " << e.what() << '\n';
    }
  }
  return 0;
}
