// worker_pool.h — persistent worker threads that run one job each per round (fuzz_race).
//
// Creating threads under ThreadSanitizer costs far more than a fuzz input, so the race
// target makes its threads once per process and hands them work per input: RunRound(jobs)
// gives worker i the job jobs[i] and returns when every job has returned.
//
// Example:
//   WorkerPool pool(4);
//   std::vector<std::function<void()>> jobs = {[&] { A(); }, [&] { B(); }};
//   pool.RunRound(jobs);  // A on worker 0 and B on worker 1, concurrently; both done here
//
// Synchronization it adds, and only this (so it hides no race between the jobs):
//   - the start of each job happens-after the RunRound call began (per-worker mutex);
//   - RunRound returns after, and happens-after, every job of the round.
// Jobs of one round are not ordered with each other by the pool; whatever they share they
// must order themselves.
//
// Ownership: the pool owns its threads; the destructor stops and joins them.
// Thread-safety: RunRound is called from one thread at a time (the fuzzer's thread). A job
// must not call RunRound.
#ifndef VTO_HARNESS_WORKER_POOL_H
#define VTO_HARNESS_WORKER_POOL_H

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace vto::harness {

class WorkerPool {
 public:
  // Starts `threads` workers (at least 1).
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  [[nodiscard]] int size() const { return static_cast<int>(workers_.size()); }

  // Runs jobs[i] on worker i and waits for all of them. REQUIRES: jobs.size() <= size();
  // an empty std::function leaves its worker idle.
  void RunRound(const std::vector<std::function<void()>>& jobs);

 private:
  struct Worker {
    std::mutex mu;
    std::condition_variable cv;
    std::function<void()> job;  // guarded by mu; empty while idle
    bool stop = false;          // guarded by mu
    std::thread thread;
  };
  void Loop(Worker& w);

  std::vector<std::unique_ptr<Worker>> workers_;
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  int running_ = 0;  // guarded by done_mu_: jobs of the current round not yet returned
};

}  // namespace vto::harness

#endif  // VTO_HARNESS_WORKER_POOL_H
