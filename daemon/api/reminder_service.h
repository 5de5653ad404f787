// attune.v1.ReminderService: a person's reminders (the scheduler that fires
// them: reminder_scheduler.h).
#ifndef ATTUNE_DAEMON_API_REMINDER_SERVICE_H_
#define ATTUNE_DAEMON_API_REMINDER_SERVICE_H_

#include "attune/v1/api.grpc.pb.h"
#include "daemon/api/reminder_scheduler.h"
#include "daemon/records/resource.h"

namespace attune {

// At most this many reminders per person.
inline constexpr int kMaxReminders = 64;

// Thread-safe; called on gRPC's threads.
class ReminderServiceImpl final : public v1::ReminderService::Service {
 public:
  // `scheduler` outlives the service.
  ReminderServiceImpl(ServiceContext ctx, ReminderScheduler* scheduler)
      : ctx_(ctx), scheduler_(scheduler) {}

  grpc::Status CreateReminder(grpc::ServerContext*, const v1::CreateReminderRequest* request,
                              v1::Reminder* response) override;
  grpc::Status GetReminder(grpc::ServerContext*, const v1::GetReminderRequest* request,
                           v1::Reminder* response) override;
  grpc::Status ListReminders(grpc::ServerContext*, const v1::ListRemindersRequest* request,
                             v1::ListRemindersResponse* response) override;
  grpc::Status DeleteReminder(grpc::ServerContext*, const v1::DeleteReminderRequest* request,
                              google::protobuf::Empty* response) override;

 private:
  ServiceContext ctx_;
  ReminderScheduler* scheduler_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_REMINDER_SERVICE_H_
