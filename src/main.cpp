#include "tempo/cli/cli.h"

int main(int argc, char** argv) { return tempo::cli::Main(argc, argv); }
