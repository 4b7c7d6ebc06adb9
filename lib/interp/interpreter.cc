// interpreter.cc — vto::interp::Interpreter over clang::Interpreter (clang 22).
#include "interp/interpreter.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/DeclContextInternals.h"
#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/DiagnosticIDs.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Driver/CreateInvocationFromArgs.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/TextDiagnosticPrinter.h"
#include "clang/Interpreter/Interpreter.h"
#include "clang/Interpreter/PartialTranslationUnit.h"
#include "interp/class_index.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"  // complete type for IncrementalExecutorBuilder
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/Module.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/Support/CodeGen.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#ifndef VTO_JIT_SANITIZE_ARGS
#define VTO_JIT_SANITIZE_ARGS ""
#endif
#ifndef VTO_CLANG_RESOURCE_DIR
#error "VTO_CLANG_RESOURCE_DIR must name clang 22's resource directory (set by CMake)"
#endif

namespace vto::interp {
namespace {

// Collects the diagnostics of one Compile as clang's text printer writes them.
class DiagnosticCapture final : public clang::DiagnosticConsumer {
 public:
  explicit DiagnosticCapture(clang::DiagnosticOptions& options)
      : stream_(text_), printer_(stream_, options) {}

  void BeginSourceFile(const clang::LangOptions& lang, const clang::Preprocessor* pp) override {
    printer_.BeginSourceFile(lang, pp);
  }
  void EndSourceFile() override { printer_.EndSourceFile(); }

  void HandleDiagnostic(clang::DiagnosticsEngine::Level level,
                        const clang::Diagnostic& info) override {
    DiagnosticConsumer::HandleDiagnostic(level, info);
    const size_t before = text_.size();
    printer_.HandleDiagnostic(level, info);
    stream_.flush();
    if (level == clang::DiagnosticsEngine::Warning) {
      ++warnings_;
      in_warning_ = true;
    } else if (level != clang::DiagnosticsEngine::Note) {
      in_warning_ = false;  // a note belongs to the diagnostic before it
      if (level >= clang::DiagnosticsEngine::Error) ++errors_;
    }
    if (in_warning_) warning_text_.append(text_, before, std::string::npos);
  }

  void Reset() {
    stream_.flush();
    text_.clear();
    warning_text_.clear();
    errors_ = warnings_ = 0;
    in_warning_ = false;
  }
  void AddError(const std::string& message) {
    text_ += "error: " + message + "\n";
    ++errors_;
  }

  const std::string& text() {
    stream_.flush();
    return text_;
  }
  const std::string& warning_text() const { return warning_text_; }
  unsigned errors() const { return errors_; }
  unsigned warnings() const { return warnings_; }

 private:
  std::string text_;
  std::string warning_text_;
  llvm::raw_string_ostream stream_;
  clang::TextDiagnosticPrinter printer_;
  unsigned errors_ = 0;
  unsigned warnings_ = 0;
  bool in_warning_ = false;
};

std::vector<std::string> SplitUnitSeparated(std::string_view joined) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= joined.size() && !joined.empty()) {
    size_t end = joined.find('\x1f', start);
    if (end == std::string_view::npos) end = joined.size();
    if (end > start) out.emplace_back(joined.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// clang 22 re-emits the vtable group (vtable, type_info, VTT, construction vtables) of a class
// whose key function an earlier input defined (llvm/llvm-project#141039), as strong
// definitions that the JIT rejects as duplicates.
bool IsVTableGroupSymbol(llvm::StringRef name) {
  return name.starts_with("_ZTV") || name.starts_with("_ZTS") || name.starts_with("_ZTI") ||
         name.starts_with("_ZTT") || name.starts_with("_ZTC");
}

// clang 22 removes a failed input's declarations from the ordinary lookup tables but not from
// the table of extern "C" names, so `extern "C" int f()` could never be defined again after
// an input defining f failed. Forget the failed unit's entries there too.
void ForgetExternCDecls(clang::ASTContext& context, const clang::TranslationUnitDecl* failed) {
  clang::StoredDeclsMap* map = context.getExternCContextDecl()->getLookupPtr();
  if (map == nullptr || failed == nullptr) return;
  for (auto& entry : *map) {
    clang::StoredDeclsList& list = entry.second;
    std::vector<clang::NamedDecl*> doomed;
    for (clang::NamedDecl* decl : list.getLookupResult())
      if (decl->getTranslationUnitDecl() == failed) doomed.push_back(decl);
    for (clang::NamedDecl* decl : doomed) list.remove(decl);
  }
}

// Runs clang's driver and command-line parser over `args` (as the interpreter will) with a
// diagnostics engine of our own, so that a bad argument comes back as a message instead of
// being printed on stderr (clang::IncrementalCompilerBuilder only says "Initialization
// failed", and accepts some unknown arguments).
// A directory holding the headers JIT'd code includes, laid out under their absolute paths
// (a sysroot): $VTO_JIT_SYSROOT, else "vto-jit-sysroot" next to the executable (an OSS-Fuzz
// $OUT made by .clusterfuzzlite/build.sh), else none (the system's headers).
std::string JitSysroot() {
  auto is_dir = [](const std::string& path) {
    struct stat st {};
    return !path.empty() && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  };
  if (const char* env = std::getenv("VTO_JIT_SYSROOT"); env != nullptr && *env != '\0') return env;
  char exe[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return {};
  std::string dir(exe, static_cast<size_t>(n));
  dir = dir.substr(0, dir.rfind('/'));
  const std::string candidate = dir + "/vto-jit-sysroot";
  return is_dir(candidate) ? candidate : std::string();
}

bool ValidateArguments(const std::vector<std::string>& args, std::string* message) {
  std::vector<const char*> argv = {"clang++", "-xc++", "-c", "-"};
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  clang::DiagnosticOptions options;
  options.ShowColors = false;
  std::string text;
  llvm::raw_string_ostream stream(text);
  auto engine = llvm::makeIntrusiveRefCnt<clang::DiagnosticsEngine>(
      clang::DiagnosticIDs::create(), options,
      new clang::TextDiagnosticPrinter(stream, options), /*ShouldOwnClient=*/true);
  clang::CreateInvocationOptions create;
  create.Diags = engine;
  std::unique_ptr<clang::CompilerInvocation> invocation = clang::createInvocation(argv, create);
  stream.flush();
  if (invocation != nullptr && !engine->hasErrorOccurred()) return true;
  *message = text.empty() ? std::string("clang rejected the arguments") : text;
  while (!message->empty() && message->back() == '\n') message->pop_back();
  return false;
}

}  // namespace

std::vector<std::string> HostSanitizerArgs() { return SplitUnitSeparated(VTO_JIT_SANITIZE_ARGS); }

struct Interpreter::Impl {
  std::vector<std::string> args;
  bool assume_unique_vtables = false;
  // Declared before `clang` so that it outlives the DiagnosticsEngine that points to it.
  std::unique_ptr<DiagnosticCapture> diagnostics;
  std::unique_ptr<clang::Interpreter> clang;
  std::unique_ptr<LayoutBuilder> layouts;
  std::unique_ptr<ClassIndex> index;

  // Guards the AST (parsing, the index, layout computation) and the members below.
  std::mutex ast_mu;
  std::unordered_map<const clang::CXXRecordDecl*, std::unique_ptr<ClassLayout>> layout_cache;
  std::unordered_set<std::string> strong_vtable_symbols;  // defined by earlier units
  std::unordered_set<std::string> odr_indicators;         // ASan's __odr_asan_gen_*, ditto
  // Units compiled assuming unique vtables at -O1 or above (their final classes' shapes
  // report vptr_identity_assumed).
  std::unordered_set<const clang::TranslationUnitDecl*> assuming_units;

  // FindClass's answers by the name asked, guarded by found_mu alone: a repeated FindClass
  // (every named Install) never waits for a Compile on another thread, which holds ast_mu
  // while it parses. Lock order: ast_mu before found_mu.
  std::mutex found_mu;
  std::unordered_map<std::string, const ClassLayout*> found;
  size_t units = 0;
  std::string unusable;  // why Compile refuses, after a unit failed to link
  std::string last_diagnostics;
  std::string last_warnings;
  unsigned last_errors = 0;
  unsigned last_warning_count = 0;

  const ClassLayout* LayoutOf(const clang::CXXRecordDecl* record, std::string* error) {
    auto it = layout_cache.find(record);
    if (it != layout_cache.end()) return it->second.get();
    auto layout = std::make_unique<ClassLayout>();
    if (!layouts->Build(record, layout.get(), error)) return nullptr;
    return layout_cache.emplace(record, std::move(layout)).first->second.get();
  }
};

Interpreter::Interpreter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Interpreter::~Interpreter() = default;

std::unique_ptr<Interpreter> Interpreter::Create(const InterpreterOptions& options,
                                                 std::string* error) {
  auto fail = [&](std::string message) -> std::unique_ptr<Interpreter> {
    if (error) *error = std::move(message);
    return nullptr;
  };
  if (options.opt_level < 0 || options.opt_level > 3)
    return fail("Interpreter::Create: opt_level must be 0..3, not " +
                std::to_string(options.opt_level));

  static std::once_flag targets_once;
  std::call_once(targets_once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });

  auto impl = std::make_unique<Impl>();
  const std::string sysroot = JitSysroot();
  impl->args = {"-std=c++17", "-O" + std::to_string(options.opt_level), "-resource-dir",
                sysroot + VTO_CLANG_RESOURCE_DIR};
  if (!sysroot.empty()) impl->args.push_back("--sysroot=" + sysroot);
  if (!options.assume_unique_vtables) impl->args.push_back("-fno-assume-unique-vtables");
  if (options.sanitize_like_host)
    for (std::string& arg : HostSanitizerArgs()) impl->args.push_back(std::move(arg));
  for (const std::string& arg : options.extra_args) impl->args.push_back(arg);

  std::string bad;
  if (!ValidateArguments(impl->args, &bad))
    return fail("Interpreter::Create: bad compiler arguments: " + bad);

  std::vector<const char*> argv;
  argv.reserve(impl->args.size());
  for (const std::string& arg : impl->args) argv.push_back(arg.c_str());

  clang::IncrementalCompilerBuilder builder;
  builder.SetCompilerArgs(argv);
  llvm::Expected<std::unique_ptr<clang::CompilerInstance>> compiler = builder.CreateCpp();
  if (!compiler)
    return fail("Interpreter::Create: cannot set up the compiler: " +
                llvm::toString(compiler.takeError()));
  impl->assume_unique_vtables = (*compiler)->getCodeGenOpts().AssumeUniqueVTables;
  (*compiler)->getDiagnosticOpts().ShowColors = false;

  auto executor = std::make_unique<clang::IncrementalExecutorBuilder>();
  // Machine code at the optimization level the source is compiled with. clang's default
  // JIT builder generates code at LLVM's default level (as -O2) whatever -O says, which
  // made code generation most of the JIT's cost for -O0 units. The last -O<n> argument
  // (extra_args may override opt_level) decides.
  llvm::CodeGenOptLevel codegen_level = llvm::CodeGenOptLevel::Less;
  for (const std::string& arg : impl->args) {
    if (arg == "-O0") codegen_level = llvm::CodeGenOptLevel::None;
    if (arg == "-O1") codegen_level = llvm::CodeGenOptLevel::Less;
    if (arg == "-O2" || arg == "-Os" || arg == "-Oz") codegen_level = llvm::CodeGenOptLevel::Default;
    if (arg == "-O3") codegen_level = llvm::CodeGenOptLevel::Aggressive;
  }
  llvm::Expected<llvm::orc::JITTargetMachineBuilder> jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb)
    return fail("Interpreter::Create: cannot describe the host target: " + llvm::toString(jtmb.takeError()));
  jtmb->setCodeGenOptLevel(codegen_level);
  jtmb->setCodeModel(llvm::CodeModel::Large);  // see below
  executor->JITBuilder = std::make_unique<llvm::orc::LLJITBuilder>();
  executor->JITBuilder->setJITTargetMachineBuilder(std::move(*jtmb));
  // The large code model: JIT'd code reaches every symbol through 64-bit addresses. With
  // the default small model, a reference from one unit to a hidden weak symbol that an
  // earlier unit defined (ASan's ___asan_globals_registered, in every instrumented unit)
  // is a 32-bit PC-relative fixup, which fails when the two units' memory lies more than
  // 2 GiB apart — as it does in an ASan host.
  executor->CM = llvm::CodeModel::Large;
  llvm::Expected<std::unique_ptr<clang::Interpreter>> created =
      clang::Interpreter::create(std::move(*compiler), std::move(executor));
  if (!created)
    return fail("Interpreter::Create: cannot create clang's interpreter: " +
                llvm::toString(created.takeError()));
  impl->clang = std::move(*created);

  clang::CompilerInstance* ci = impl->clang->getCompilerInstance();
  impl->diagnostics = std::make_unique<DiagnosticCapture>(ci->getDiagnosticOpts());
  impl->diagnostics->BeginSourceFile(ci->getLangOpts(), &ci->getPreprocessor());
  ci->getDiagnostics().setClient(impl->diagnostics.get(), /*ShouldOwnClient=*/false);

  Impl* raw = impl.get();  // the builder lives in *raw and runs under raw->ast_mu
  impl->layouts = std::make_unique<LayoutBuilder>(
      impl->clang->getASTContext(), [raw](const clang::CXXRecordDecl* record) {
        return raw->assuming_units.count(record->getTranslationUnitDecl()) != 0;
      });
  impl->index = std::make_unique<ClassIndex>(*impl->layouts);
  return std::unique_ptr<Interpreter>(new Interpreter(std::move(impl)));
}

bool Interpreter::Compile(std::string_view code, std::string* diagnostics) {
  return Compile(code, UnitMode{}, diagnostics);
}

bool Interpreter::Compile(std::string_view code, const UnitMode& mode, std::string* diagnostics) {
  Impl& s = *impl_;
  auto finish = [&](bool ok) {
    s.last_diagnostics = s.diagnostics->text();
    s.last_warnings = s.diagnostics->warning_text();
    s.last_errors = s.diagnostics->errors();
    s.last_warning_count = s.diagnostics->warnings();
    if (diagnostics) *diagnostics = s.last_diagnostics;
    return ok;
  };

  std::unique_lock<std::mutex> lock(s.ast_mu);
  s.diagnostics->Reset();
  if (!s.unusable.empty()) {
    s.diagnostics->AddError(s.unusable);
    return finish(false);
  }
  if (mode.opt_level && (*mode.opt_level < 0 || *mode.opt_level > 3)) {
    s.diagnostics->AddError("Compile: a unit's opt_level must be 0..3, not " + std::to_string(*mode.opt_level));
    return finish(false);
  }
  // The mode holds for this unit's parse, code generation and optimization (all inside
  // Parse); the arguments' values come back afterwards, also when Parse fails.
  clang::CompilerInstance* ci = s.clang->getCompilerInstance();
  clang::CodeGenOptions& cg = ci->getCodeGenOpts();
  const unsigned saved_opt = cg.OptimizationLevel;
  const bool saved_unique = cg.AssumeUniqueVTables;
  const bool saved_strict = cg.StrictVTablePointers;
  if (mode.opt_level) cg.OptimizationLevel = static_cast<unsigned>(*mode.opt_level);
  if (mode.assume_unique_vtables) cg.AssumeUniqueVTables = *mode.assume_unique_vtables;
  if (mode.strict_vtable_pointers) cg.StrictVTablePointers = *mode.strict_vtable_pointers;
  const bool assumes_unique = cg.AssumeUniqueVTables && cg.OptimizationLevel > 0;
  llvm::Expected<clang::PartialTranslationUnit&> unit =
      s.clang->Parse(llvm::StringRef(code.data(), code.size()));
  cg.OptimizationLevel = saved_opt;
  cg.AssumeUniqueVTables = saved_unique;
  cg.StrictVTablePointers = saved_strict;
  if (!unit) {
    std::string message = llvm::toString(unit.takeError());
    if (s.diagnostics->errors() == 0) s.diagnostics->AddError(message);
    // Each input is parsed into a new TranslationUnitDecl, the current one after Parse.
    ForgetExternCDecls(s.clang->getASTContext(), s.clang->getASTContext().getTranslationUnitDecl());
    return finish(false);
  }
  clang::TranslationUnitDecl* decls = unit->TUPart;

  // Work around llvm#141039 (see the header): a vtable-group symbol that an earlier unit
  // defined strongly becomes a unit-local copy here. The module has been optimized and
  // instrumented already, so the copy keeps its contents and ASan's registration of it;
  // ASan's ODR indicator for it (__odr_asan_gen_<name>) becomes local too.
  std::vector<std::string> new_strong;
  std::vector<std::string> new_indicators;
  std::vector<std::string> external;  // symbols the unit's code refers to but does not define
  if (llvm::Module* module = unit->TheModule.get()) {
    constexpr llvm::StringLiteral kOdrIndicator = "__odr_asan_gen_";
    for (llvm::GlobalVariable& global : module->globals()) {
      if (global.isDeclaration() || !global.hasExternalLinkage()) continue;
      llvm::StringRef name = global.getName();
      const bool indicator = name.starts_with(kOdrIndicator);
      if (indicator) {
        // A linkonce global (an inline class's vtable, typeinfo or construction vtable)
        // gets a strong indicator in every unit that emits it: a second one would be a
        // duplicate definition. Each unit keeps its own copy of the global (ASan registers
        // it through a private alias), so its indicator becomes unit-local too.
        if (s.odr_indicators.count(name.str()) != 0) {
          global.setLinkage(llvm::GlobalValue::InternalLinkage);
          global.setVisibility(llvm::GlobalValue::DefaultVisibility);
          global.setDSOLocal(true);
          continue;
        }
        new_indicators.push_back(name.str());
        name = name.drop_front(kOdrIndicator.size());
      }
      if (!IsVTableGroupSymbol(name)) continue;
      if (s.strong_vtable_symbols.count(name.str()) != 0) {
        global.setLinkage(llvm::GlobalValue::InternalLinkage);
        global.setVisibility(llvm::GlobalValue::DefaultVisibility);
        global.setDSOLocal(true);
      } else if (!indicator) {
        new_strong.push_back(name.str());
      }
    }
    for (llvm::GlobalValue& value : module->global_values()) {
      if (!value.isDeclaration() || value.use_empty() || value.hasExternalWeakLinkage()) continue;
      if (auto* fn = llvm::dyn_cast<llvm::Function>(&value); fn && fn->isIntrinsic()) continue;
      external.push_back(value.getName().str());
    }
  }
  lock.unlock();  // JIT'd static initializers may call FindClassByRttiName

  // Resolve the unit's external references before linking it: a unit whose initializers
  // cannot be linked would leave clang's JIT unable to run any later unit's initializers.
  std::vector<std::string> missing;
  for (const std::string& name : external) {
    llvm::Expected<llvm::orc::ExecutorAddr> address = s.clang->getSymbolAddress(name);
    if (!address) {
      llvm::consumeError(address.takeError());
      missing.push_back(name);
    }
  }
  if (!missing.empty()) {
    lock.lock();
    for (const std::string& name : missing) {
      std::string readable = llvm::demangle(name);
      s.diagnostics->AddError("undefined symbol '" + readable + "'" +
                              (readable != name ? " (" + name + ")" : std::string()));
    }
    if (llvm::Error undo = s.clang->Undo(1))
      s.diagnostics->AddError("cannot remove the failed unit: " + llvm::toString(std::move(undo)));
    ForgetExternCDecls(s.clang->getASTContext(), decls);
    return finish(false);
  }

  if (llvm::Error failed = s.clang->Execute(*unit)) {
    std::string message = llvm::toString(std::move(failed));
    lock.lock();
    s.diagnostics->AddError(message);
    // Remove the unit: its declarations and its (partly linked) module. clang's JIT keeps
    // the failed unit's initializers queued, so no later unit can run: refuse them.
    if (llvm::Error undo = s.clang->Undo(1))
      s.diagnostics->AddError("cannot remove the failed unit: " + llvm::toString(std::move(undo)));
    ForgetExternCDecls(s.clang->getASTContext(), decls);
    s.unusable = "an earlier unit failed to link (" + message +
                 "); this Interpreter cannot run more code: create a new one";
    return finish(false);
  }
  lock.lock();
  for (std::string& name : new_strong) s.strong_vtable_symbols.insert(std::move(name));
  for (std::string& name : new_indicators) s.odr_indicators.insert(std::move(name));
  s.index->AddTranslationUnit(decls);
  if (assumes_unique) s.assuming_units.insert(decls);
  ++s.units;
  return finish(true);
}

const std::string& Interpreter::last_diagnostics() const { return impl_->last_diagnostics; }
const std::string& Interpreter::last_warnings() const { return impl_->last_warnings; }
unsigned Interpreter::last_error_count() const { return impl_->last_errors; }
unsigned Interpreter::last_warning_count() const { return impl_->last_warning_count; }

void* Interpreter::LookupSymbol(std::string_view name, std::string* error) {
  llvm::Expected<llvm::orc::ExecutorAddr> address =
      impl_->clang->getSymbolAddress(llvm::StringRef(name.data(), name.size()));
  if (!address) {
    std::string message = llvm::toString(address.takeError());
    if (error) *error = "LookupSymbol('" + std::string(name) + "'): " + message;
    return nullptr;
  }
  if (!*address) {
    if (error) *error = "LookupSymbol('" + std::string(name) + "'): null address";
    return nullptr;
  }
  return address->toPtr<void*>();
}

const ClassLayout* Interpreter::FindClass(std::string_view qualified_name, std::string* error) {
  Impl& s = *impl_;
  std::string key(qualified_name);
  {
    std::lock_guard<std::mutex> found(s.found_mu);
    auto it = s.found.find(key);
    if (it != s.found.end()) return it->second;
  }
  std::lock_guard<std::mutex> lock(s.ast_mu);
  const clang::CXXRecordDecl* record = s.index->FindByName(qualified_name);
  if (record == nullptr) {
    if (error)
      *error = "FindClass: no complete class named '" + NormalizeTypeName(qualified_name) +
               "' at namespace or class scope in the " + std::to_string(s.units) +
               " translation unit(s) compiled so far";
    return nullptr;  // not remembered: a later unit may define it
  }
  const ClassLayout* layout = s.LayoutOf(record, error);
  if (layout != nullptr) {
    std::lock_guard<std::mutex> found(s.found_mu);
    s.found.emplace(std::move(key), layout);
  }
  return layout;
}

const ClassLayout* Interpreter::FindClassByRttiName(std::string_view rtti_name,
                                                    std::string* error) {
  Impl& s = *impl_;
  std::lock_guard<std::mutex> lock(s.ast_mu);
  const clang::CXXRecordDecl* record = s.index->FindByRttiName(rtti_name);
  if (record == nullptr) {
    if (error)
      *error = "FindClassByRttiName: no complete class with a vptr whose type_info name is '" +
               std::string(rtti_name) + "' in the " + std::to_string(s.units) +
               " translation unit(s) compiled so far";
    return nullptr;
  }
  return s.LayoutOf(record, error);
}

size_t Interpreter::translation_units() const {
  std::lock_guard<std::mutex> lock(impl_->ast_mu);
  return impl_->units;
}
const std::vector<std::string>& Interpreter::compiler_args() const { return impl_->args; }
bool Interpreter::assumes_unique_vtables() const { return impl_->assume_unique_vtables; }

}  // namespace vto::interp
