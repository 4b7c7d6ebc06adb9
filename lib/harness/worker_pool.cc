// worker_pool.cc — persistent worker threads (worker_pool.h).
#include "harness/worker_pool.h"

namespace vto::harness {

WorkerPool::WorkerPool(int threads) {
  if (threads < 1) threads = 1;
  for (int i = 0; i < threads; ++i) workers_.push_back(std::make_unique<Worker>());
  for (auto& w : workers_) {
    Worker* raw = w.get();
    w->thread = std::thread([this, raw] { Loop(*raw); });
  }
}

WorkerPool::~WorkerPool() {
  for (auto& w : workers_) {
    std::lock_guard<std::mutex> lock(w->mu);
    w->stop = true;
    w->cv.notify_one();
  }
  for (auto& w : workers_) w->thread.join();
}

void WorkerPool::RunRound(const std::vector<std::function<void()>>& jobs) {
  int started = 0;
  {
    std::lock_guard<std::mutex> lock(done_mu_);
    for (const auto& j : jobs) started += j ? 1 : 0;
    running_ = started;
  }
  for (size_t i = 0; i < jobs.size() && i < workers_.size(); ++i) {
    if (!jobs[i]) continue;
    Worker& w = *workers_[i];
    std::lock_guard<std::mutex> lock(w.mu);
    w.job = jobs[i];
    w.cv.notify_one();
  }
  std::unique_lock<std::mutex> lock(done_mu_);
  done_cv_.wait(lock, [&] { return running_ == 0; });
}

void WorkerPool::Loop(Worker& w) {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(w.mu);
      w.cv.wait(lock, [&] { return w.stop || static_cast<bool>(w.job); });
      if (w.stop) return;
      job = std::move(w.job);
      w.job = nullptr;
    }
    job();
    std::lock_guard<std::mutex> lock(done_mu_);
    if (--running_ == 0) done_cv_.notify_one();
  }
}

}  // namespace vto::harness
